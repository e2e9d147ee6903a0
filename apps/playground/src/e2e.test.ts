/**
 * The playground end to end: built with vite into a temporary directory, served by vite's
 * preview server, driven in Debian's headless Chromium. Screenshots of each view go to
 * `.ci/artifacts/playground/`.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInspectReport, renderInspect } from '@dl/cli/report';
import { chromiumGate, launchChromium } from '@dl/browser';
import type { Browser } from '@dl/browser';
import { malformedCases } from '@dl/fixtures/malformed';
import { custom, HEADER, memInfo, section, str, subsection, uleb, vec, wasmModule } from '@dl/fixtures/writer';
import type { Page } from 'playwright-core';
import { build, preview } from 'vite';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exampleSets } from './examples.js';

const appRoot = fileURLToPath(new URL('..', import.meta.url));
const artifacts = fileURLToPath(new URL('../../../.ci/artifacts/playground/', import.meta.url));
const fixtures = fileURLToPath(new URL('../../../tooling/fixtures/wasm/', import.meta.url));

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

const gate = chromiumGate();
if (gate.mode === 'skip') console.warn(gate.message);

describe.skipIf(gate.mode === 'skip')('the playground in Chromium', { timeout: 60_000 }, () => {
  let outDir = '';
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let origin = '';
  const pageErrors: string[] = [];

  // Without Chromium under CI every test fails with the gate's message (a beforeAll throw would only skip them).
  beforeEach(() => {
    if (gate.mode === 'fail') throw new Error(gate.message);
  });

  beforeAll(async () => {
    if (gate.mode === 'fail') return;
    outDir = await mkdtemp(join(tmpdir(), 'dl-playground-'));
    const configFile = join(appRoot, 'vite.config.ts');
    await build({ root: appRoot, configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    server = await preview({ root: appRoot, configFile, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
    origin = server.resolvedUrls?.local[0] ?? '';
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await mkdir(artifacts, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir !== '') await rm(outDir, { recursive: true, force: true });
  });

  const shoot = async (name: string): Promise<void> => {
    await page.screenshot({ path: join(artifacts, `${name}.png`) });
  };
  const tab = async (view: 'inspect' | 'link' | 'run' | 'pictures'): Promise<void> => {
    await page.click(`#tab-${view}`);
    await page.locator(`#view-${view}`).waitFor({ state: 'visible' });
  };
  const linkDone = async (): Promise<void> => {
    await page.locator('#link-progress[data-state="done"]').waitFor({ timeout: 30_000 });
  };

  it('opens the needed-chain example from the URL, links it and draws its graph and memory map', async () => {
    await page.goto(`${origin}#example=needed-chain`);
    await linkDone();
    const libraries = ['libneed_a.so', 'libneed_b.so', 'libneed_c.so'];
    // The link view: a row per library, in load order (dependencies first), and the phase timings.
    expect(await page.locator('#libraries-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.library))).toEqual(libraries);
    expect(await page.locator('#timings-table thead th').allTextContents()).toEqual(expect.arrayContaining(['load', 'compile', 'instantiate', 'total']));
    expect(await page.locator('#link-events li.event-done').count()).toBe(1);
    expect(await page.evaluate(() => location.hash)).toContain('example=needed-chain');
    await shoot('link-needed-chain');

    await tab('pictures');
    for (const name of libraries) {
      expect(await page.locator(`#picture-graph g.dl-node[data-library="${name}"]`).count()).toBe(1);
      expect(await page.locator(`#picture-memory g.dl-range[data-owner="${name}"]`).count()).toBe(1);
    }
    for (const edge of ['libneed_c.so->libneed_b.so', 'libneed_b.so->libneed_a.so']) {
      expect(await page.locator(`#picture-graph g.dl-edge[data-edge="${edge}"]`).count()).toBe(1);
    }
    expect(await page.locator('#picture-graph g.dl-edge').count()).toBe(2);
    await shoot('pictures-needed-chain');
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
    await expect.poll(() => needA.locator('.error .error-message').textContent()).toContain('"forty" is not an integer');
    await shoot('run-needed-chain');
  });

  it('inspects a library in the CLI’s own words, and searches its symbols', async () => {
    await page.click('#file-list li[data-file="libneed_b.so"] .file-name');
    await page.locator('#view-inspect').waitFor({ state: 'visible' });
    const bytes = new Uint8Array(await readFile(join(fixtures, 'clang16/libneed_b.so')));
    expect(await page.locator('#inspect-output').textContent()).toBe(renderInspect(buildInspectReport(bytes, 'libneed_b.so')));
    await page.fill('#symbol-search', 'need_a');
    const nm = await page.locator('#nm-output').textContent();
    expect(nm).toContain('U  need_a ');
    expect(nm).not.toContain('need_b_check');
    expect(await page.locator('#ldd-output').textContent()).toContain('libneed_a.so => /libneed_a.so');
    await shoot('inspect-libneed_b');
    await page.fill('#symbol-search', '');
  });

  it('drops a malformed file and a text file: each gets its DlError code, and the page stays usable', async () => {
    // One through the file input, one dropped on the page as a browser drops files.
    await page.setInputFiles('#file-input', [
      { name: 'truncated-dylink.so', mimeType: 'application/octet-stream', buffer: await readFile(join(fixtures, 'malformed/truncated-dylink.so')) },
    ]);
    await page.locator('#drop-zone').evaluate((zone) => {
      const data = new DataTransfer();
      data.items.add(new File(['not a WebAssembly module\n'], 'notes.txt', { type: 'text/plain' }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    const truncated = page.locator('#file-list li[data-file="truncated-dylink.so"][data-state="error"]');
    await expect.poll(() => truncated.locator('.badge').textContent()).toBe('DL_TRUNCATED');
    const text = page.locator('#file-list li[data-file="notes.txt"][data-state="error"]');
    await expect.poll(() => text.locator('.badge').textContent()).toBe('DL_BAD_MAGIC');
    // The URL no longer claims the example: the files changed.
    expect(await page.evaluate(() => location.hash)).not.toContain('example=');
    await text.locator('.file-name').click();
    const error = page.locator('#inspect-summary .error[data-code="DL_BAD_MAGIC"]');
    expect(await error.locator('.error-message').textContent()).toMatch(/^notes\.txt: not a WebAssembly binary/);
    await shoot('inspect-bad-input');
    await truncated.locator('.file-name').click();
    expect(await page.locator('#inspect-summary .error[data-code="DL_TRUNCATED"] .error-message').textContent()).toContain('truncated-dylink.so');

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
    await page.setInputFiles('#file-input', [{ name: 'libspin.so', mimeType: 'application/wasm', buffer: Buffer.from(spinningModule()) }]);
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
    expect(await page.locator('#function-list .error[data-code="Cancelled"] .error-message').textContent()).toContain('the worker was stopped and a fresh one started');
    await shoot('run-cancelled');
    await tab('link');
    await page.click('#link-button');
    await linkDone();
    expect(await page.locator('#libraries-table tbody tr').count()).toBe(4);
  });

  it('links six real tree-sitter grammars with progress to the end', async () => {
    await page.goto(`${origin}#example=grammars`);
    await linkDone();
    const progress = page.locator('#link-progress');
    expect(await progress.evaluate((p) => [(p as HTMLProgressElement).value, (p as HTMLProgressElement).max])).toEqual([24, 24]);
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
      await expect.poll(() => row.locator('output.result').getAttribute('data-result')).toMatch(new RegExp(`^${suggested.expect} `));
      if (id === 'cpp-ctors') expect(await row.locator('.call-output').textContent()).toContain('host_note [200,300,1000]');
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
      await expect.poll(() => page.locator(`#file-list li[data-file="${name}"][data-state="error"] .badge`).textContent()).toBe(expected);
    }
    await page.click('#file-list li[data-file="huge-import-count.so"] .file-name');
    expect(await page.locator('#inspect-summary .error[data-code="DL_BAD_LENGTH"] .error-message').textContent()).toContain('huge-import-count.so');
    await shoot('inspect-bad-input-example');
  });

  it('shows the docs at #/docs/<id>', async () => {
    await page.goto(`${origin}#/docs/linker`);
    await page.locator('#docs-body[data-page="linker"]').waitFor();
    expect(await page.locator('#playground').isHidden()).toBe(true);
    expect((await page.locator('#docs-body').textContent())?.length).toBeGreaterThan(200);
    await shoot('docs-linker');
    expect(pageErrors).toEqual([]);
  });
});
