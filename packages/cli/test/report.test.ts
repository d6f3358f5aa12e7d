/**
 * `bluezone report quick|national|tracing` in-process on a SQLite file holding the server's
 * statistics fixture (figures worked out by hand in stats-fixture.ts): the files written, their
 * figures in Vietnamese format, the placeholders without a narrative, the register (numbers, author
 * `cli`, the exact bytes), and one-line errors with exit code 2.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqlite } from '@bluezone/server';
import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENOMINATORS_CSV, installsCsv } from '../../server/test/stats-fixture.js';
import { runCli, tempDir } from './helpers.js';

const NOW = new Date('2020-09-20T03:00:00Z'); // 10:00 in Vietnam, a week after the fixture's as-of
const AS_OF = '2020-09-13T08:00+07:00';

/** The text of a DOCX's main part, paragraphs on lines. */
function docxText(path: string): string {
  const xml = strFromU8(unzipSync(new Uint8Array(readFileSync(path)))['word/document.xml']!);
  return xml
    .replace(/<\/w:p>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&')
    .replaceAll('\u00a0', ' ');
}

describe('bluezone report', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'reports.db');
  const cli = (...argv: string[]) => runCli([...argv, '--db', db], { now: NOW, env: {} });

  beforeAll(async () => {
    expect((await cli('import', 'denominators', tmp.file('d.csv', DENOMINATORS_CSV))).code).toBe(0);
    expect((await cli('import', 'installs', tmp.file('i.csv', installsCsv()))).code).toBe(0);
  });

  it('writes the quick report with the fixture’s figures and records it in the register', async () => {
    const out = join(tmp.dir, 'quick.docx');
    const r = await cli(
      'report',
      'quick',
      '--province',
      '48',
      '--as-of',
      AS_OF,
      '--round',
      '1',
      '--format',
      'docx',
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const match =
      /^Report (\d{2})\/BC-STTTT \((rpt_[a-z2-7]+)\) issued and registered; wrote (.+) \(DOCX, [\d.]+ bytes, SHA-256 ([0-9a-f]{64})\)\.\n$/.exec(
        r.stdout,
      );
    expect(match, r.stdout).not.toBeNull();
    const [, seq, id, written, sha] = match!;
    expect(written).toBe(out);
    const bytes = readFileSync(out);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha);

    const text = docxText(out);
    expect(text).toContain(`Số: ${seq}/BC-STTTT`);
    expect(text).toContain('UBND THÀNH PHỐ ĐÀ NẴNG');
    expect(text).toContain('Đà Nẵng, ngày 20 tháng 9 năm 2020'); // default date: today in Vietnam
    // 36 of 133 smartphones = 27,07 %, first of 63; Hà Nội's 270.626 smartphones in the appendix.
    expect(text).toMatch(
      /Đã có 36 người\/điện thoại cài đặt .* \(tổng số 40 lượt cài đặt\), đạt 27,07 % .* xếp thứ 1\/63/,
    );
    expect(text).toContain('cần thêm 31 người/điện thoại'); // ⌈0,5 × 133⌉ − 36
    expect(text).toContain('270.626');
    expect(text).toContain('270.819'); // the national total of smartphones
    // No narrative given: the source form's marked placeholders.
    expect(text).toContain('Thực hiện Công văn số … ngày …');
    expect(text).toContain('… tin nhắn SMS và … tin nhắn Zalo');

    // The register holds the exact bytes, authored by the CLI.
    const storage = openSqlite(db);
    try {
      const row = await storage.db
        .selectFrom('reports')
        .selectAll()
        .where('id', '=', id!)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        kind: 'quick',
        province_code: '48',
        author: 'cli',
        number: `${seq}/BC-STTTT`,
      });
      const files = await storage.db
        .selectFrom('report_files')
        .selectAll()
        .where('report_id', '=', id!)
        .execute();
      expect(files.map((f) => f.format).sort()).toEqual(['docx', 'pdf', 'xlsx']);
      const docx = files.find((f) => f.format === 'docx')!;
      expect(Buffer.compare(Buffer.from(docx.bytes), bytes)).toBe(0);
      expect(docx.sha256).toBe(sha);
    } finally {
      await storage.close();
    }

    const again = await cli(
      'report',
      'quick',
      '--province',
      '48',
      '--as-of',
      AS_OF,
      '--round',
      '2',
      '--format',
      'pdf',
      '--out',
      join(tmp.dir, 'quick2.pdf'),
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Report ${String(Number(seq) + 1).padStart(2, '0')}/BC-STTTT `);
    expect(readFileSync(join(tmp.dir, 'quick2.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('takes the narrative from a JSON file', async () => {
    const narrative = tmp.file(
      'narrative.json',
      JSON.stringify({
        narrative: { basis: 'Công văn số 45/BCĐ ngày 10/9/2020', lessons: ['Nhắn tin SMS hiệu quả nhất.'] },
        campaign: { smsMessages: 1_234_567, zaloMessages: 89_000 },
        signer: { name: 'Trần Thị B' },
      }),
    );
    const out = join(tmp.dir, 'hcm.docx');
    const r = await cli(
      'report',
      'quick',
      '--province',
      '79',
      '--as-of',
      AS_OF,
      '--round',
      '3',
      '--format',
      'docx',
      '--out',
      out,
      '--narrative',
      narrative,
      '--date',
      '2020-09-14',
    );
    expect([r.code, r.stderr]).toEqual([0, '']);
    const text = docxText(out);
    expect(text).toContain('Thực hiện Công văn số 45/BCĐ ngày 10/9/2020');
    expect(text).toContain('1.234.567 tin nhắn SMS và 89.000 tin nhắn Zalo');
    expect(text).toContain('Nhắn tin SMS hiệu quả nhất.');
    expect(text).toContain('Trần Thị B');
    expect(text).toContain('ngày 14 tháng 9 năm 2020');
    expect(text).toMatch(/đạt 25,00 % .* xếp thứ 2\/63/); // tie with Hải Phòng: both 2nd
  });

  it('writes the national report (XLSX) and the tracing report in the national series', async () => {
    const xlsx = join(tmp.dir, 'national.xlsx');
    const n = await cli('report', 'national', '--as-of', AS_OF, '--format', 'xlsx', '--out', xlsx);
    expect([n.code, n.stderr]).toEqual([0, '']);
    const nSeq = Number(/^Report (\d{2})\/BC-THH /.exec(n.stdout)?.[1]);
    const sheet = strFromU8(unzipSync(new Uint8Array(readFileSync(xlsx)))['xl/sharedStrings.xml']!);
    expect(sheet).toContain('Đà Nẵng');
    const docx = join(tmp.dir, 'tracing.docx');
    const t = await cli(
      'report',
      'tracing',
      '--from',
      '2020-09-01',
      '--to',
      '2020-09-13',
      '--format',
      'docx',
      '--out',
      docx,
    );
    expect([t.code, t.stderr]).toEqual([0, '']);
    expect(t.stdout).toContain(`Report ${String(nSeq + 1).padStart(2, '0')}/BC-THH `);
    expect(docxText(docx)).toContain('từ ngày 1/9/2020 đến ngày 13/9/2020');
  });

  it('fails with one line and exit code 2 on bad input', async () => {
    const out = join(tmp.dir, 'bad.docx');
    const quick = (...extra: string[]) => [
      'report',
      'quick',
      '--as-of',
      AS_OF,
      '--round',
      '1',
      '--format',
      'docx',
      '--out',
      out,
      ...extra,
    ];
    const cases: [string[], string][] = [
      [
        quick('--province', '99'),
        'bluezone: --province: there is no province 99; use a GSO code such as 19 (Thái Nguyên)\n',
      ],
      [
        [
          'report',
          'quick',
          '--province',
          '48',
          '--as-of',
          '2020-09-21T08:00+07:00',
          '--round',
          '1',
          '--format',
          'docx',
          '--out',
          out,
        ],
        'bluezone: --as-of 2020-09-21T08:00+07:00 is in the future (now is 2020-09-20T10:00:00+07:00); figures exist only up to the last whole hour\n',
      ],
      [
        quick('--province', '48', '--format', 'odt'),
        'bluezone: --format must be one of docx, pdf, xlsx, got "odt"\n',
      ],
      [
        quick('--province', '48', '--round', '0'),
        'bluezone: --round must be a whole number from 1 to 999, got 0\n',
      ],
      [
        quick('--province', '22'),
        'bluezone: Tỉnh Quảng Ninh has no smartphone denominator in effect on 2020-09-13; import the denominators (bluezone import denominators, or POST /admin/v1/stats/denominators) before reporting its install rate\n',
      ],
      [
        ['report', 'tracing', '--from', '2020-09-01', '--to', '2020-09-13', '--format', 'xlsx', '--out', out],
        'bluezone: a tracing report has no XLSX; use --format docx or pdf\n',
      ],
      [
        quick(
          '--province',
          '48',
          '--narrative',
          tmp.file('bad.json', '{"narrative":{"basis":""},"extra":1}'),
        ),
        `bluezone: ${join(tmp.dir, 'bad.json')}: the object has an unknown field "extra" (see the content object in docs/api.md, "Reports")\n`,
      ],
    ];
    for (const [argv, stderr] of cases) {
      const r = await cli(...argv);
      expect([r.code, r.stderr, r.stdout]).toEqual([2, stderr, '']);
    }
    const missing = await cli(
      'report',
      'quick',
      '--province',
      '48',
      '--round',
      '1',
      '--format',
      'docx',
      '--out',
      out,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("bluezone: required option '--as-of <iso>' not specified (see --help)\n");
  });
});
