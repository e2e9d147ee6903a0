/**
 * Unloading and hot reload in the playground, end to end in Debian's headless Chromium (the
 * harness builds and serves the app): Close unloads a library (the graph, the memory map and
 * the table map follow: freed memory and quarantined slots drawn apart), a function pointer
 * taken before traps when called after and names its slot, Reload swaps in another build (the
 * example's, or a file the user picked) or is refused with the old build still running. Every
 * view it changes is checked with axe-core at 1366 px and 390 px, light and dark.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixtures, gate, usePlayground } from './e2e.harness.js';

describe.skipIf(gate.mode === 'skip')('unloading and reloading in the playground', { timeout: 60_000 }, () => {
  const playground = usePlayground('axe-results-unload.json');
  const { pageErrors, checkView, tab, linkDone } = playground;
  let page = undefined as unknown as typeof playground.page;
  beforeEach(() => {
    page = playground.page;
  });
  const row = (library: string, name: string): ReturnType<typeof page.locator> =>
    page.locator(`#function-list .function-row[data-library="${library}"][data-function="${name}"]`);
  /** Calls a function of the Run tab (no earlier result shows: a Close or Reload clears them) and reads its result. */
  const call = async (library: string, name: string): Promise<string | null> => {
    const r = row(library, name);
    expect(await r.locator('.call-output').textContent()).toBe('');
    await r.locator('button.call').click();
    await r.locator('output.result, .error').first().waitFor();
    return r
      .locator('output.result')
      .getAttribute('data-result', { timeout: 1000 })
      .catch(() => null);
  };
  const actions = (library: string): ReturnType<typeof page.locator> =>
    page.locator(`#library-actions li[data-library="${library}"]`);
  /** Runs a Close or Reload and waits for it to end; returns the status's state. */
  const change = async (act: () => Promise<void>): Promise<string | null> => {
    await act();
    await page.locator('#change-status:is([data-state="done"], [data-state="failed"])').waitFor({ timeout: 30_000 });
    return page.locator('#change-status').getAttribute('data-state');
  };

  it('offers Close and Reload for each library the example loaded, accessibly, at every width', async () => {
    await page.goto(`${playground.origin}#example=unload-reload`);
    await linkDone();
    expect(await page.locator('#library-actions li').count()).toBe(3);
    for (const library of ['libunload.so', 'libreload.so', 'libreload_caller.so'])
      expect(await actions(library).locator('button.close-library').getAttribute('aria-label')).toBe(
        `Close ${library}`,
      );
    // The example's other builds, first; loaded libraries are not builds of another.
    expect(await actions('libreload.so').locator('select.reload-build option').allTextContents()).toEqual([
      'libreload_v2.so',
      'libreload_sig.so',
      'libreload_big.so',
      'libreload_ctor.so',
    ]);
    await checkView('link-unload-controls');
  });

  it('Close unloads libunload.so: destructors run, the graph, the memory map and the table map follow', async () => {
    await tab('run');
    // &unload_twice before the Close: a pointer the page keeps.
    await row('libunload.so', 'unload_twice').locator('button.take-address').click();
    const pointer = page.locator('#pointer-list .pointer-row[data-function="unload_twice"]');
    await pointer.waitFor();
    await pointer.locator('input.arg').fill('21');
    await pointer.locator('button.call').click();
    await expect.poll(() => pointer.locator('output.result').getAttribute('data-result')).toBe('42 (0x2a)');

    await tab('link');
    expect(await change(() => actions('libunload.so').locator('button.close-library').click())).toBe('done');
    expect(await page.locator('#change-status').textContent()).toBe('Closed libunload.so.');
    expect(
      await page
        .locator('#libraries-table tbody tr')
        .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.library)),
    ).toEqual(['libreload.so', 'libreload_caller.so']);
    expect(await page.locator('#unloaded-list').textContent()).toContain('libunload.so');
    // Its destructors newest first (the C destructor, then the constructor's two handlers), then its unload hook.
    expect(await page.locator('#link-result .host-record').textContent()).toContain('[100,903,902,901,950]');
    expect(await page.locator('#link-events li.event-unload').first().textContent()).toMatch(/^unload libunload\.so: /);
    expect(await page.evaluate(() => location.hash)).toBe('#example=unload-reload&view=link');
    await checkView('link-after-close');

    await tab('pictures');
    expect(await page.locator('#picture-graph g.dl-node[data-library="libunload.so"]').count()).toBe(0);
    expect(await page.locator('#picture-graph g.dl-node').count()).toBe(2);
    expect(await page.locator('#picture-memory g.dl-range[data-owner="libunload.so"]').count()).toBe(0);
    expect(await page.locator('#picture-memory g.dl-freed[data-former-owner="libunload.so"]').count()).toBeGreaterThan(
      0,
    );
    expect(
      await page.locator('#picture-table g.dl-quarantined[data-former-owner="libunload.so"]').count(),
    ).toBeGreaterThan(0);
    expect(await page.locator('#pictures-note').textContent()).toContain('Unloaded since the link: libunload.so');
    await checkView('pictures-after-close');
  });

  it('a stale function pointer called from Run traps, with what its slot is now', async () => {
    await tab('run');
    expect(await row('libunload.so', 'unload_twice').count()).toBe(0);
    const pointer = page.locator('#pointer-list .pointer-row[data-function="unload_twice"]');
    const slot = await pointer.getAttribute('data-slot');
    await pointer.locator('button.call').click();
    const error = pointer.locator('.error[data-code="RuntimeError"]');
    await error.waitFor();
    expect(await error.locator('.error-message').textContent()).toMatch(/null function/);
    const info = pointer.locator(`.slot-info[data-state="quarantined"][data-slot="${slot ?? ''}"]`);
    expect(await info.textContent()).toMatch(new RegExp(`^slot ${slot ?? ''} is quarantined: it was libunload\\.so's`));
    await checkView('run-stale-pointer');
  });

  it('Reload is refused for a changed signature (the old build keeps running), then swaps in v2: the stored pointer calls the new code', async () => {
    await tab('run');
    expect(await call('libreload_caller.so', 'caller_stored')).toBe('1 (0x1)');
    await tab('link');
    const reload = actions('libreload.so');
    await reload.locator('select.reload-build').selectOption('libreload_sig.so');
    expect(await change(() => reload.locator('button.reload-library').click())).toBe('failed');
    expect(await page.locator('#change-status .error').getAttribute('data-code')).toBe('DL_RELOAD_INCOMPATIBLE');
    await checkView('link-reload-refused');
    await tab('run');
    expect(await call('libreload_caller.so', 'caller_stored')).toBe('1 (0x1)');

    await tab('link');
    await actions('libreload.so').locator('select.reload-build').selectOption('libreload_v2.so');
    expect(await change(() => actions('libreload.so').locator('button.reload-library').click())).toBe('done');
    expect(await page.locator('#link-events li.event-reload').last().textContent()).toMatch(/^reload libreload\.so: /);
    await tab('run');
    expect(await call('libreload_caller.so', 'caller_stored')).toBe('2 (0x2)');
    expect(await call('libreload.so', 'reload_version')).toBe('2 (0x2)');
    await tab('pictures');
    // The old build's data went back to the allocator.
    expect(await page.locator('#picture-memory g.dl-freed[data-former-owner="libreload.so"]').count()).toBeGreaterThan(
      0,
    );
    expect(await page.locator('#picture-graph g.dl-node[data-library="libreload.so"]').count()).toBe(1);
  });

  it('Reload takes a build the user picked (a file opened in the page)', async () => {
    await page.setInputFiles('#file-input', [
      {
        name: 'libreload-rebuilt.so',
        mimeType: 'application/wasm',
        buffer: await readFile(join(fixtures, 'clang16/libreload.so')),
      },
    ]);
    await page.locator('#file-list li[data-file="libreload-rebuilt.so"][data-state="ok"]').waitFor();
    await tab('link');
    await actions('libreload.so').locator('select.reload-build').selectOption('libreload-rebuilt.so');
    expect(await change(() => actions('libreload.so').locator('button.reload-library').click())).toBe('done');
    expect(await page.locator('#change-status').textContent()).toContain('with libreload-rebuilt.so');
    await tab('run');
    expect(await call('libreload_caller.so', 'caller_stored')).toBe('1 (0x1)');
    expect(pageErrors).toEqual([]);
  });
});
