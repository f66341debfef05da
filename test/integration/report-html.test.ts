/**
 * report.html as a browser draws it: the recorded tiny results rendered into a temp folder
 * and screenshotted by headless Chromium. Needs /usr/bin/chromium (Debian package
 * `chromium`) and a font (`fonts-dejavu-core`); CI installs both, so a missing browser
 * fails this test instead of skipping it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { writeReports } from '../../src/report/index.ts';
import type { Results } from '../../src/results/types.ts';
import { twoModeRun } from '../unit/helpers/synthetic-link-runs.ts';

const CHROMIUM = '/usr/bin/chromium';
const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'results-tiny-quick.json');
const WIDTH = 1200;
const HEIGHT = 3000;

/** Renders `results` into a temp folder, screenshots report.html in Chromium, and checks the page and its charts. */
async function renderInChromium(results: Results, chartCount: number, what: string): Promise<string> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with \`apt-get install -y chromium fonts-dejavu-core\` (CI must, this test never skips)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-report-html-'));
  try {
    const files = await writeReports(results, dir);
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    const charts = files.filter((f) => f.endsWith('.png'));
    assert.equal(charts.length, chartCount, what);
    assert.equal((html.match(/<img /g) ?? []).length, charts.length, 'one <img> per chart');

    const shot = path.join(dir, 'screenshot.png');
    // Its own profile dir, so a Chromium someone else runs cannot hold the profile lock.
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', `--user-data-dir=${path.join(dir, 'profile')}`, `--screenshot=${shot}`, `--window-size=${WIDTH},${HEIGHT}`, pathToFileURL(path.join(dir, 'report.html')).href];
    try {
      await promisify(execFile)(CHROMIUM, args, { timeout: 120_000 });
    } catch (err) {
      const e = err as { code?: number; stderr?: string };
      assert.fail(`chromium ${args.join(' ')} failed (exit ${e.code}): ${String(e.stderr ?? '').split('\n').slice(-10).join('\n')}`);
    }
    assert.ok(existsSync(shot), 'chromium wrote no screenshot');
    const bytes = statSync(shot).size;
    assert.ok(bytes > 20_000, `screenshot is only ${bytes} bytes: the page rendered (nearly) empty`);

    const img = await loadImage(readFileSync(shot));
    assert.equal(img.width, WIDTH);
    assert.equal(img.height, HEIGHT);
    // Text, tables and charts: a real page leaves well over 2% of the pixels non-white.
    const canvas = createCanvas(img.width, img.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, img.width, img.height).data;
    let ink = 0;
    for (let i = 0; i < px.length; i += 4) if ((px[i] as number) < 235 || (px[i + 1] as number) < 235 || (px[i + 2] as number) < 235) ink++;
    const share = ink / (img.width * img.height);
    assert.ok(share > 0.02, `only ${(share * 100).toFixed(2)}% of the screenshot is not white`);
    return html;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('report.html renders in headless Chromium with every chart', { timeout: 180_000 }, async () => {
  const results = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Results;
  const html = await renderInChromium(results, 5, 'time, phases, hit ratio, cache size, cost per month');
  assert.doesNotMatch(html, /<h2>Other links/, 'a loopback run has no link to project from');
});

test('a shaped run\'s report renders its projections and the crossover chart in Chromium', { timeout: 180_000 }, async () => {
  const html = await renderInChromium(twoModeRun({ mbit: 96, rttMs: 30.4 }, 100, 30), 6, 'the five charts and crossover.png');
  assert.match(html, /<h2>Other links \(projected, not measured\)<\/h2>/);
  assert.match(html, /<strong>Other links \(projected, not measured\):<\/strong> registry-max beats none above ~\d+ Mbit\/s/);
  assert.match(html, /<figcaption>Projected expected time per build[^<]*\(charts\/crossover\.png\)<\/figcaption>/);
});
