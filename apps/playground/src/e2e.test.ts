/**
 * The playground end to end: built with vite into a temporary directory, served by vite's
 * preview server, driven in Debian's headless Chromium. Every view is checked with axe-core
 * and at 1366 px and 390 px, light and dark; screenshots of each go to `.ci/artifacts/playground/`
 * (`<view>-<width>-<scheme>.png`), the axe results to `axe-results.json` there.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildInspectReport, renderInspect } from '@dl/cli/report';
import { malformedCases } from '@dl/fixtures/malformed';
import { custom, HEADER, memInfo, section, str, subsection, uleb, vec, wasmModule } from '@dl/fixtures/writer';
import { beforeEach, describe, expect, it } from 'vitest';
import { docsPages } from './docs/pages.js';
import { gate, fixtures, usePlayground } from './e2e.harness.js';
import { exampleSets } from './examples.js';

/** A side module exporting `spin_forever: () -> ()`, which never returns: only Cancel stops it. */
function spinningModule(): Uint8Array {
  const body = [0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b]; // no locals; loop; br 0; end; end
  const module = wasmModule(
    custom('dylink.0', subsection(1, memInfo(0, 0, 0, 0))),
    section(1, vec([[0x60, 0x00, 0x00]])),
    section(3, vec([[0x00]])),
    section(7, vec([[...str('spin_forever'), 0x00, 0x00]])),
    section(10, vec([[...uleb(body.length), ...body]])),
  );
  expect([...module.subarray(0, 8)]).toEqual(HEADER);
  return module;
}

describe.skipIf(gate.mode === 'skip')('the playground in Chromium', { timeout: 60_000 }, () => {
  const playground = usePlayground('axe-results.json');
  const { pageErrors, shoot, checkView, tab, linkDone } = playground;
  // The page and the origin exist once the harness's beforeAll ran.
  let page = undefined as unknown as typeof playground.page;
  let origin = '';
  beforeEach(() => {
    page = playground.page;
    origin = playground.origin;
  });

  it('opens the needed-chain example from the URL, links it and draws its graph and memory map', async () => {
    await page.goto(`${origin}#example=needed-chain`);
    await linkDone();
    const libraries = ['libneed_a.so', 'libneed_b.so', 'libneed_c.so'];
    // The link view: a row per library, in load order (dependencies first), and the phase timings.
    expect(
      await page
        .locator('#libraries-table tbody tr')
        .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.library)),
    ).toEqual(libraries);
    expect(await page.locator('#timings-table thead th').allTextContents()).toEqual(
      expect.arrayContaining(['load', 'compile', 'instantiate', 'total']),
    );
    expect(await page.locator('#link-events li.event-done').count()).toBe(1);
    expect(await page.evaluate(() => location.hash)).toContain('example=needed-chain');
    // libneed_c.so has no data: "0 bytes" in the table, the event log and the memory map alike.
    const c = page.locator('#libraries-table tbody tr[data-library="libneed_c.so"] td');
    expect(await c.nth(4).textContent()).toMatch(/^at \d+ \(0 bytes\)$/);
    expect(await page.locator('#link-events').textContent()).toMatch(
      /instantiate libneed_c\.so: memory at \d+ \(0 bytes\)/,
    );
    await shoot('link-needed-chain');
    await checkView('link');

    await tab('pictures');
    for (const name of libraries) {
      expect(await page.locator(`#picture-graph g.dl-node[data-library="${name}"]`).count()).toBe(1);
      expect(await page.locator(`#picture-memory g.dl-range[data-owner="${name}"]`).count()).toBe(1);
    }
    for (const edge of ['libneed_c.so->libneed_b.so', 'libneed_b.so->libneed_a.so']) {
      expect(await page.locator(`#picture-graph g.dl-edge[data-edge="${edge}"]`).count()).toBe(1);
    }
    expect(await page.locator('#picture-graph g.dl-edge').count()).toBe(2);
    expect(
      await page.locator('#picture-memory g.dl-range[data-owner="libneed_c.so"] title').first().textContent(),
    ).toMatch(/^libneed_c\.so: 0 bytes at 0x[0-9A-F]+ /);
    await shoot('pictures-needed-chain');
    await checkView('pictures');
    await page.locator('#picture-memory').scrollIntoViewIfNeeded();
    await shoot('pictures-needed-chain-maps');
  });

  it('calls need_c_check across the three libraries and reads 0, and need_c(2) = 15', async () => {
    await tab('run');
    const check = page.locator('.function-row[data-library="libneed_c.so"][data-function="need_c_check"]');
    await check.locator('button.call').click();
    await expect.poll(() => check.locator('output.result').getAttribute('data-result')).toBe('0 (0x0)');
    const needC = page.locator('.function-row[data-library="libneed_c.so"][data-function="need_c"]');
    await needC.locator('input.arg').fill('2');
    await needC.locator('button.call').click();
    await expect.poll(() => needC.locator('output.result').getAttribute('data-result')).toBe('15 (0xf)');
    const needA = page.locator('.function-row[data-library="libneed_a.so"][data-function="need_a"]');
    await needA.locator('input.arg').fill('forty');
    await needA.locator('button.call').click();
    await expect
      .poll(() => needA.locator('.error .error-message').textContent())
      .toContain('"forty" is not an integer');
    await shoot('run-needed-chain');
    await checkView('run');
  });

  it('inspects a library in the CLI’s own words, and searches its symbols', async () => {
    await page.click('#file-list li[data-file="libneed_b.so"] .file-name');
    await page.locator('#view-inspect').waitFor({ state: 'visible' });
    const bytes = new Uint8Array(await readFile(join(fixtures, 'clang16/libneed_b.so')));
    expect(await page.locator('#inspect-output').textContent()).toBe(
      renderInspect(buildInspectReport(bytes, 'libneed_b.so')),
    );
    await page.fill('#symbol-search', 'need_a');
    const nm = await page.locator('#nm-output').textContent();
    expect(nm).toContain('U  need_a ');
    expect(nm).not.toContain('need_b_check');
    expect(await page.locator('#ldd-output').textContent()).toContain('libneed_a.so => /libneed_a.so');
    await shoot('inspect-libneed_b');
    await checkView('inspect');
    await page.fill('#symbol-search', '');
  });

  it('the tabs follow the WAI-ARIA pattern: aria-controls, arrow keys, Home and End', async () => {
    for (const view of ['inspect', 'link', 'run', 'pictures']) {
      expect(await page.locator(`#tab-${view}`).getAttribute('aria-controls')).toBe(`view-${view}`);
      expect(await page.locator(`#view-${view}`).getAttribute('aria-labelledby')).toBe(`tab-${view}`);
    }
    await tab('inspect');
    await page.focus('#tab-inspect');
    const selected = async (): Promise<string[]> => [
      (await page.locator('[role=tab][aria-selected=true]').getAttribute('id')) ?? '',
      await page.evaluate(() => document.activeElement?.id ?? ''),
      (await page.locator('.panel:not([hidden])').getAttribute('id')) ?? '',
    ];
    await page.keyboard.press('ArrowRight');
    expect(await selected()).toEqual(['tab-link', 'tab-link', 'view-link']);
    await page.keyboard.press('End');
    expect(await selected()).toEqual(['tab-pictures', 'tab-pictures', 'view-pictures']);
    await page.keyboard.press('ArrowRight');
    expect(await selected()).toEqual(['tab-inspect', 'tab-inspect', 'view-inspect']);
    await page.keyboard.press('ArrowLeft');
    expect(await selected()).toEqual(['tab-pictures', 'tab-pictures', 'view-pictures']);
    await page.keyboard.press('Home');
    expect(await selected()).toEqual(['tab-inspect', 'tab-inspect', 'view-inspect']);
    // Only the selected tab is in the Tab order.
    expect(await page.locator('[role=tab][tabindex="0"]').count()).toBe(1);
  });

  it('follows prefers-color-scheme: dark colours in dark mode, light ones otherwise', async () => {
    const colours = (): Promise<string[]> =>
      page.evaluate(() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await colours()).toEqual(['rgb(20, 24, 28)', 'rgb(230, 233, 236)']);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await colours()).toEqual(['rgb(255, 255, 255)', 'rgb(29, 35, 42)']);
  });

  it('drops a malformed file and a text file: each gets its DlError code, and the page stays usable', async () => {
    // One through the file input, one dropped on the page as a browser drops files; the user is on Run.
    await tab('run');
    await page.setInputFiles('#file-input', [
      {
        name: 'truncated-dylink.so',
        mimeType: 'application/octet-stream',
        buffer: await readFile(join(fixtures, 'malformed/truncated-dylink.so')),
      },
    ]);
    // Where the user is looking: under the drop zone, and the main view shows the refused file.
    await page.locator('#open-feedback .error[data-code="DL_TRUNCATED"]').waitFor();
    expect(await page.locator('#open-feedback .error-context').textContent()).toBe(
      'truncated-dylink.so cannot be used:',
    );
    await page.locator('#view-inspect').waitFor({ state: 'visible' });
    expect(await page.locator('#inspect-title').textContent()).toBe('Inspect truncated-dylink.so');
    await page.locator('#drop-zone').evaluate((zone) => {
      const data = new DataTransfer();
      data.items.add(new File(['not a WebAssembly module\n'], 'notes.txt', { type: 'text/plain' }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    const truncated = page.locator('#file-list li[data-file="truncated-dylink.so"][data-state="error"]');
    await expect.poll(() => truncated.locator('.badge').textContent()).toBe('DL_TRUNCATED');
    const text = page.locator('#file-list li[data-file="notes.txt"][data-state="error"]');
    await expect.poll(() => text.locator('.badge').textContent()).toBe('DL_BAD_MAGIC');
    await page.locator('#open-feedback .error[data-code="DL_BAD_MAGIC"]').waitFor();
    await expect.poll(() => page.locator('#inspect-title').textContent()).toBe('Inspect notes.txt');
    // The URL no longer claims the example: the files changed.
    expect(await page.evaluate(() => location.hash)).not.toContain('example=');
    await text.locator('.file-name').click();
    const error = page.locator('#inspect-summary .error[data-code="DL_BAD_MAGIC"]');
    expect(await error.locator('.error-message').textContent()).toMatch(/^notes\.txt: not a WebAssembly binary/);
    await shoot('inspect-bad-input');
    await checkView('inspect-refused-file');
    await truncated.locator('.file-name').click();
    expect(
      await page.locator('#inspect-summary .error[data-code="DL_TRUNCATED"] .error-message').textContent(),
    ).toContain('truncated-dylink.so');

    // Still usable: link again (the broken files are not offered as libraries) and call.
    expect(await page.locator('#link-setup li[data-library="notes.txt"]').count()).toBe(0);
    await page.click('#link-button');
    await linkDone();
    await tab('run');
    const check = page.locator('.function-row[data-library="libneed_c.so"][data-function="need_c_check"]');
    await check.locator('button.call').click();
    await expect.poll(() => check.locator('output.result').getAttribute('data-result')).toBe('0 (0x0)');
  });

  it('a function that never returns keeps only the worker busy; Cancel stops it and a fresh worker links again', async () => {
    await page.setInputFiles('#file-input', [
      { name: 'libspin.so', mimeType: 'application/wasm', buffer: Buffer.from(spinningModule()) },
    ]);
    await page.locator('#file-list li[data-file="libspin.so"][data-state="ok"]').waitFor();
    await page.click('#link-button');
    await linkDone();
    await tab('run');
    const spin = page.locator('.function-row[data-library="libspin.so"][data-function="spin_forever"]');
    await spin.locator('button.call').click();
    await page.locator('#worker-state[data-busy="true"]').waitFor();
    // The page still answers while the worker spins: inspecting a file needs no worker.
    await page.click('#file-list li[data-file="libspin.so"] .file-name');
    expect(await page.locator('#inspect-output').textContent()).toContain('exports         1: functions 1');
    await tab('run');
    await shoot('run-busy-worker');
    await page.click('#cancel-button');
    await page.locator('#worker-state[data-busy="false"]').waitFor();
    await page.locator('#link-progress[data-state="cancelled"]').waitFor({ state: 'attached' });
    expect(await page.locator('#function-list .error[data-code="Cancelled"] .error-message').textContent()).toContain(
      'the worker was stopped and a fresh one started',
    );
    await shoot('run-cancelled');
    await tab('link');
    await page.click('#link-button');
    await linkDone();
    expect(await page.locator('#libraries-table tbody tr').count()).toBe(4);
  });

  it('a deep link keeps the tab it names (#example=weak-pair&view=pictures)', async () => {
    await page.goto(`${origin}#example=weak-pair&view=pictures`);
    // The Link tab stays hidden: its progress bar is done, but not shown.
    await page.locator('#link-progress[data-state="done"]').waitFor({ state: 'attached', timeout: 30_000 });
    await page.locator('#picture-graph g.dl-node[data-library="libweak_strong.so"]').waitFor();
    expect(await page.locator('#view-pictures').isVisible()).toBe(true);
    expect(await page.locator('#tab-pictures').getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate(() => location.hash)).toBe('#example=weak-pair&view=pictures');
    // Picking an example from the menu still shows its link.
    await page.selectOption('#example-select', 'cpp-ctors');
    await linkDone();
    await page.locator('#view-link').waitFor({ state: 'visible' });
  });

  it('a search does not follow into another example set; a search matching nothing says so instead of empty tables', async () => {
    await page.goto(`${origin}#example=needed-chain`);
    await linkDone();
    await page.click('#file-list li[data-file="libneed_b.so"] .file-name');
    await page.fill('#symbol-search', 'no-such-name');
    expect(await page.locator('#imports-table, #exports-table').count()).toBe(0);
    expect(await page.locator('#inspect-symbols .no-match').allTextContents()).toEqual([
      'No import matches “no-such-name” (the search above filters every list).',
      'No export matches “no-such-name” (the search above filters every list).',
    ]);
    await tab('run');
    await page.fill('#function-search', 'no-such-name');
    await page.selectOption('#example-select', 'weak-pair');
    await linkDone();
    expect(await page.inputValue('#function-search')).toBe('');
    await tab('run');
    expect(await page.locator('.function-row').count()).toBeGreaterThan(0);
    expect(await page.inputValue('#symbol-search')).toBe('');
    await page.click('#file-list li[data-file="libweak_weakdef.so"] .file-name');
    expect(await page.locator('#imports-table tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#inspect-symbols').textContent()).not.toMatch(/— 0 of/);
  });

  it('linking a main module names its load (no blank names or empty cells)', async () => {
    await page.goto(`${origin}#example=main-module`);
    await linkDone();
    expect(await page.locator('#link-events li.event-done').textContent()).toMatch(
      /^done main\.wasm \(main module\): 3 new libraries in /,
    );
    expect(await page.locator('#timings-table tbody td').first().textContent()).toBe('main.wasm (main module)');
    await tab('pictures');
    expect(await page.locator('#picture-memory').textContent()).toMatch(
      /main\.wasm: 0x400–0x[0-9A-F]+ \(\d+ bytes\), placed by the program/,
    );
    await tab('link');
    await checkView('link-main-module');
  });

  it('links six real tree-sitter grammars with progress to the end', async () => {
    await page.goto(`${origin}#example=grammars`);
    await linkDone();
    const progress = page.locator('#link-progress');
    expect(await progress.evaluate((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max])).toEqual([
      24, 24,
    ]);
    expect(await page.locator('#libraries-table tbody tr').count()).toBe(6);
    expect(await page.locator('#link-status').textContent()).toMatch(/^Linked: 6 libraries in /);
    await shoot('link-grammars');
    await tab('pictures');
    expect(await page.locator('#picture-graph g.dl-node').count()).toBe(6);
    await shoot('pictures-grammars');
  });

  it.each(exampleSets.filter((set) => set.tryCalling !== undefined).map((set) => [set.id, set] as const))(
    'example %s links, and the function it suggests returns what it says',
    async (id, set) => {
      await page.goto(`${origin}#example=${id}`);
      await linkDone();
      await tab('run');
      const suggested = set.tryCalling!;
      expect(await page.locator('#run-hint').textContent()).toContain(suggested.name);
      const row = page.locator(`.function-row[data-library="${suggested.library}"][data-function="${suggested.name}"]`);
      await row.locator('button.call').click();
      await expect
        .poll(() => row.locator('output.result').getAttribute('data-result'))
        .toMatch(new RegExp(`^${suggested.expect} `));
      if (id === 'cpp-ctors')
        expect(await row.locator('.call-output').textContent()).toContain('host_note [200,300,1000]');
    },
  );

  it('example bad-input: each malformed file shows the code the reader gives it', async () => {
    await page.goto(`${origin}#example=bad-input`);
    const set = exampleSets.find((s) => s.id === 'bad-input')!;
    for (const { name } of set.files) {
      // readModule's code; a module it reads fine but without a dylink section is not a side module.
      const module = malformedCases.find((c) => c.file === name)?.module;
      const expected = module === 'ok' ? 'DL_NOT_SIDE_MODULE' : module;
      expect(expected).toMatch(/^DL_/);
      await expect
        .poll(() => page.locator(`#file-list li[data-file="${name}"][data-state="error"] .badge`).textContent())
        .toBe(expected);
    }
    await page.click('#file-list li[data-file="huge-import-count.so"] .file-name');
    expect(
      await page.locator('#inspect-summary .error[data-code="DL_BAD_LENGTH"] .error-message').textContent(),
    ).toContain('huge-import-count.so');
    await shoot('inspect-bad-input-example');
  });

  it('shows the docs at #/docs/<id>, with highlighted code that scrolls inside its box', async () => {
    await page.goto(`${origin}#/docs/linker`);
    await page.locator('#docs-body[data-page="linker"]').waitFor();
    expect(await page.locator('#playground').isHidden()).toBe(true);
    expect((await page.locator('#docs-body').textContent())?.length).toBeGreaterThan(200);
    // What a user outside the repository runs, first: the install line (the README's own, or the page's box).
    expect(await page.locator('#docs-body pre code').first().textContent()).toMatch(/^npm install @dl\/linker\b/);
    expect(await page.locator('#docs-body pre code .tok-keyword').count()).toBeGreaterThan(5);
    const overflow = await page
      .locator('#docs-body pre')
      .evaluateAll((blocks) => blocks.map((b) => getComputedStyle(b).overflowX));
    expect(new Set(overflow)).toEqual(new Set(['auto']));
    await shoot('docs-linker');
    await checkView('docs-linker');
    await page.goto(`${origin}#/docs/concepts`);
    await page.locator('#docs-body[data-page="concepts"]').waitFor();
    await checkView('docs-concepts');
    expect(pageErrors).toEqual([]);
  });

  it('an unknown docs route says "not found" and links every page', async () => {
    await page.goto(`${origin}#/docs/no-such-page`);
    await page.locator('#docs-body[data-page="not-found"]').waitFor();
    expect(await page.locator('#docs-body h1').textContent()).toBe('Page not found');
    expect(await page.locator('#docs-body .dl-docs-pages a').allTextContents()).toEqual(docsPages.map((p) => p.title));
    await checkView('docs-not-found');
    await page.click('#docs-body .dl-docs-pages a >> text=@dl/reader');
    await page.locator('#docs-body[data-page="reader"]').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
