/**
 * The register of issued reports on both engines: issue → download → the same bytes again (ETag =
 * SHA-256, Vietnamese file name), numbering per series and year, the figures of the statistics
 * fixture in the document, scope (province users see only their quick reports, 404 otherwise),
 * bad input (400 with a clear message), previews that register nothing, drafts, and the audit.
 */
import { createHash } from 'node:crypto';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDenominators, importInstalls } from '../src/features/stats/imports.js';
import { loadAdminUnits } from '../src/reference/admin-units.js';
import { type ContactsTestApp, createContactsTestApp } from './contacts-helpers.js';
import { ENGINES, engineAvailable } from './harness.js';
import { AS_OF, DENOMINATORS_CSV, installsCsv } from './stats-fixture.js';
import { asUser, type LoggedIn, userSession } from './users-helpers.js';

const NOW = Date.UTC(2020, 8, 20, 3, 0, 0); // 2020-09-20 10:00 Vietnam time, after the fixture

interface ReportSummary {
  id: string;
  kind: string;
  number: string;
  year: number;
  sequence: number;
  date: string;
  asOf: string;
  provinceCode: string | null;
  params: Record<string, unknown>;
  author: string;
  files: { format: string; contentType: string; size: number; sha256: string; url: string }[];
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The text of the DOCX's main part (runs joined, tags removed). */
function docxText(bytes: Uint8Array): string {
  const xml = strFromU8(unzipSync(bytes)['word/document.xml']!);
  return xml
    .replace(/<\/w:p>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&')
    .replaceAll('\u00a0', ' '); // the renderer keeps "27,07 %" together with a no-break space
}

const quick = (provinceCode: string, extra: Record<string, unknown> = {}) => ({
  kind: 'quick',
  params: { provinceCode, round: 2, asOf: AS_OF, date: '2020-09-14' },
  ...extra,
});

for (const engine of ENGINES) {
  describe.runIf(engineAvailable(engine))(`issued reports on ${engine}`, () => {
    let t: ContactsTestApp;
    let national: LoggedIn;
    let hcmAdmin: LoggedIn;
    let hcmViewer: LoggedIn;
    const admin = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
      t.app.inject({
        method,
        url,
        headers: { 'x-api-key': t.keys.admin },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });

    beforeAll(async () => {
      t = await createContactsTestApp(engine, { BLUEZONE_LOG_LEVEL: 'silent' });
      t.clock.set(NOW);
      const deps = { storage: t.storage, adminUnits: loadAdminUnits(), now: () => NOW };
      await importDenominators(deps, DENOMINATORS_CSV, { actor: 'cli' });
      await importInstalls(deps, installsCsv(), { actor: 'cli' });
      national = await userSession(t, 'national_admin', null);
      hcmAdmin = await userSession(t, 'province_admin', '79');
      hcmViewer = await userSession(t, 'viewer', '79');
    }, 60_000);
    afterAll(() => t.close());

    it('issues a quick report, numbers it, and re-downloads exactly the bytes issued', async () => {
      const r = await admin(
        'POST',
        '/admin/v1/reports',
        quick('48', {
          content: {
            narrative: { basis: 'Công văn số 123/BCĐ ngày 10/9/2020' },
            campaign: { smsMessages: 1_250_000 },
            signer: { name: 'Nguyễn Văn A' },
          },
        }),
      );
      expect(r.statusCode, r.body).toBe(201);
      const issued = r.json() as ReportSummary;
      expect(issued).toMatchObject({
        kind: 'quick',
        number: expect.stringMatching(/^\d{2}\/BC-STTTT$/),
        year: 2020,
        date: '2020-09-14',
        asOf: '2020-09-13T08:00:00+07:00',
        provinceCode: '48',
        params: { provinceCode: '48', round: 2, asOf: '2020-09-13T08:00:00+07:00', date: '2020-09-14' },
        author: `apikey:${t.keyIds.admin}`,
        authorName: 'API key portal',
      });
      expect(r.headers['location']).toBe(`/admin/v1/reports/${issued.id}`);
      expect(issued.files.map((f) => f.format)).toEqual(['docx', 'pdf', 'xlsx']);

      const docxInfo = issued.files.find((f) => f.format === 'docx')!;
      expect(docxInfo.url).toBe(`/admin/v1/reports/${issued.id}/file.docx`);
      const first = await admin('GET', docxInfo.url);
      expect(first.statusCode).toBe(200);
      expect(first.headers['content-type']).toBe(
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      );
      expect(first.headers['etag']).toBe(`"${docxInfo.sha256}"`);
      const encodedName = `${issued.number.replace('/', '-')}%20B%C3%A1o%20c%C3%A1o%20nhanh%20%C4%91%E1%BB%A3t%202%20-%20%C4%90%C3%A0%20N%E1%BA%B5ng%202020-09-14.docx`;
      expect(first.headers['content-disposition']).toBe(
        `attachment; filename="${issued.number.replace('/', '-')} Bao cao nhanh dot 2 - Da Nang 2020-09-14.docx"; filename*=UTF-8''${encodedName}`,
      );
      const bytes = new Uint8Array(first.rawPayload);
      expect(sha256(bytes)).toBe(docxInfo.sha256);
      expect(bytes.length).toBe(docxInfo.size);

      // The statistics changed since: the register still returns the bytes issued.
      await importDenominators(
        { storage: t.storage, adminUnits: loadAdminUnits(), now: () => NOW },
        'effective_date,province_code,district_code,carrier,smartphones\n2020-09-13,48,,,999\n',
        { actor: 'cli' },
      );
      const second = await admin('GET', docxInfo.url);
      expect(Buffer.compare(second.rawPayload, first.rawPayload)).toBe(0);
      const cached = await t.app.inject({
        method: 'GET',
        url: docxInfo.url,
        headers: { 'x-api-key': t.keys.admin, 'if-none-match': `"${docxInfo.sha256}"` },
      });
      expect([cached.statusCode, cached.body]).toEqual([304, '']);
      await importDenominators(
        { storage: t.storage, adminUnits: loadAdminUnits(), now: () => NOW },
        'effective_date,province_code,district_code,carrier,smartphones\n2020-09-13,48,,,133\n',
        { actor: 'cli' },
      );

      // The document: number, figures of the fixture (Đà Nẵng 36 of 133 smartphones, first of 63).
      const text = docxText(bytes);
      expect(text).toContain(`Số: ${issued.number}`);
      expect(text).toContain('UBND THÀNH PHỐ ĐÀ NẴNG');
      expect(text).toContain('Đà Nẵng, ngày 14 tháng 9 năm 2020');
      expect(text).toContain('tính đến 08h00 ngày 13/9/2020');
      expect(text).toContain('Công văn số 123/BCĐ ngày 10/9/2020');
      expect(text).toContain('1.250.000');
      expect(text).toContain('27,07 %');
      expect(text).toContain('1/63');
      expect(text).toContain('270.626'); // Hà Nội's smartphones in the appendix table
      expect(text).toContain('Nguyễn Văn A');

      for (const format of ['pdf', 'xlsx'] as const) {
        const info = issued.files.find((f) => f.format === format)!;
        const file = await admin('GET', info.url);
        expect(file.statusCode).toBe(200);
        expect(sha256(new Uint8Array(file.rawPayload))).toBe(info.sha256);
        expect(file.headers['content-type']).toBe(info.contentType);
      }
      const pdf = await admin('GET', `/admin/v1/reports/${issued.id}/file.pdf`);
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

      const head = await t.app.inject({
        method: 'HEAD',
        url: docxInfo.url,
        headers: { 'x-api-key': t.keys.admin },
      });
      expect([head.statusCode, head.headers['etag'], head.body]).toEqual([200, `"${docxInfo.sha256}"`, '']);
      const audit = await t.storage.db
        .selectFrom('audit_log')
        .select(['action', 'actor', 'details'])
        .where('subject', '=', `report:${issued.id}`)
        .orderBy('at')
        .execute();
      expect(audit.filter((a) => a.action === 'report.issue')).toHaveLength(1);
      expect(audit.filter((a) => a.action === 'report.download').length).toBe(5); // not the 304 nor the HEAD
      expect(JSON.parse(audit.find((a) => a.action === 'report.issue')!.details!)).toMatchObject({
        kind: 'quick',
        number: issued.number,
        files: { docx: docxInfo.sha256 },
      });

      const detail = await admin('GET', `/admin/v1/reports/${issued.id}`);
      expect(detail.statusCode).toBe(200);
      expect(detail.json()).toMatchObject({
        id: issued.id,
        content: { narrative: { basis: 'Công văn số 123/BCĐ ngày 10/9/2020' }, issuer: { code: 'STTTT' } },
      });
    });

    it('numbers per issuing body and year: province series and the national series', async () => {
      const issue = async (body: unknown) => {
        t.clock.advance(60_000); // newest first: distinct issue times
        const r = await admin('POST', '/admin/v1/reports', body);
        expect(r.statusCode, r.body).toBe(201);
        return r.json() as ReportSummary;
      };
      const a = await issue(quick('31'));
      const b = await issue(quick('31'));
      expect([a.sequence + 1, `${String(a.sequence + 1).padStart(2, '0')}/BC-STTTT`]).toEqual([
        b.sequence,
        b.number,
      ]);
      const n = await issue({ kind: 'national', params: { asOf: AS_OF, exampleProvince: '79' } });
      const tr = await issue({ kind: 'tracing', params: { from: '2020-09-01', to: '2020-09-13' } });
      expect(n.number).toMatch(/^\d{2}\/BC-THH$/);
      expect(tr.sequence).toBe(n.sequence + 1);
      expect(tr.number).toBe(`${String(n.sequence + 1).padStart(2, '0')}/BC-THH`);
      expect(tr.files.map((f) => f.format)).toEqual(['docx', 'pdf']);
      // Two issues at once draw the same number; the one that loses the insert draws the next.
      const [c, d] = await Promise.all([issue(quick('01')), issue(quick('01'))]);
      expect([c.sequence, d.sequence].sort()).toEqual([1, 2]);
      const printed = await Promise.all(
        [c, d].map(async (x) =>
          docxText(new Uint8Array((await admin('GET', `/admin/v1/reports/${x.id}/file.docx`)).rawPayload)),
        ),
      );
      expect(printed[0]).toContain(`Số: ${c.number}`);
      expect(printed[1]).toContain(`Số: ${d.number}`);
      expect(n.date).toBe('2020-09-20'); // default: today in Vietnam
      const noXlsx = await admin('GET', `/admin/v1/reports/${tr.id}/file.xlsx`);
      expect(noXlsx.statusCode).toBe(404);
      const nationalDocx = docxText(
        new Uint8Array((await admin('GET', `/admin/v1/reports/${n.id}/file.docx`)).rawPayload),
      );
      expect(nationalDocx).toContain(`Số: ${n.number}`);
      expect(nationalDocx).toContain('BỘ THÔNG TIN VÀ TRUYỀN THÔNG');
      expect(nationalDocx).toContain('ĐỊA PHƯƠNG TIÊU BIỂU: HỒ CHÍ MINH');
      expect(nationalDocx).toContain('…'); // no directions written: the marked placeholder

      // The register: filters and pages.
      const list = (await admin('GET', '/admin/v1/reports?kind=quick&provinceCode=31')).json() as {
        reports: ReportSummary[];
      };
      expect(list.reports.map((r) => r.id)).toEqual([b.id, a.id]);
      const page1 = (await admin('GET', '/admin/v1/reports?limit=2')).json() as {
        reports: ReportSummary[];
        nextCursor: string;
      };
      expect(page1.reports).toHaveLength(2);
      const page2 = (await admin('GET', `/admin/v1/reports?limit=100&cursor=${page1.nextCursor}`)).json() as {
        reports: ReportSummary[];
        nextCursor: string | null;
      };
      const ids = [...page1.reports, ...page2.reports].map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining([a.id, b.id, n.id, tr.id]));
      expect(page2.nextCursor).toBeNull();
      expect((await admin('GET', '/admin/v1/reports?year=2021')).json()).toEqual({
        reports: [],
        nextCursor: null,
      });
    });

    it('keeps province users to their province’s quick reports (404 outside)', async () => {
      const mine = await asUser(t, hcmAdmin, 'POST', '/admin/v1/reports', quick('79'));
      expect(mine.statusCode, mine.body).toBe(201);
      const mineId = (mine.json() as ReportSummary).id;
      expect(mine.json()).toMatchObject({
        author: `user:${hcmAdmin.id}`,
        authorName: expect.stringMatching(/^provinceadmin/),
      });
      const other = await asUser(t, national, 'POST', '/admin/v1/reports', quick('48'));
      expect(other.statusCode).toBe(201);
      const otherId = (other.json() as ReportSummary).id;
      const nat = await asUser(t, national, 'POST', '/admin/v1/reports', {
        kind: 'national',
        params: { asOf: AS_OF },
      });
      expect(nat.statusCode).toBe(201);
      const natId = (nat.json() as ReportSummary).id;

      const foreign = await asUser(t, hcmAdmin, 'POST', '/admin/v1/reports', quick('48'));
      expect(foreign.statusCode).toBe(403);
      expect(foreign.json().error.message).toContain('only for your province (79)');
      expect(
        (
          await asUser(t, hcmAdmin, 'POST', '/admin/v1/reports', {
            kind: 'national',
            params: { asOf: AS_OF },
          })
        ).statusCode,
      ).toBe(403);
      expect((await asUser(t, hcmViewer, 'POST', '/admin/v1/reports', quick('79'))).statusCode).toBe(403);

      for (const who of [hcmAdmin, hcmViewer]) {
        expect((await asUser(t, who, 'GET', `/admin/v1/reports/${mineId}`)).statusCode).toBe(200);
        expect((await asUser(t, who, 'GET', `/admin/v1/reports/${mineId}/file.pdf`)).statusCode).toBe(200);
        for (const id of [otherId, natId]) {
          expect((await asUser(t, who, 'GET', `/admin/v1/reports/${id}`)).statusCode).toBe(404);
          expect((await asUser(t, who, 'GET', `/admin/v1/reports/${id}/file.docx`)).statusCode).toBe(404);
        }
        const list = (await asUser(t, who, 'GET', '/admin/v1/reports?limit=100')).json() as {
          reports: ReportSummary[];
        };
        expect(list.reports.length).toBeGreaterThan(0);
        expect(list.reports.every((r) => r.kind === 'quick' && r.provinceCode === '79')).toBe(true);
      }
      expect((await asUser(t, national, 'GET', `/admin/v1/reports/${mineId}`)).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: `/admin/v1/reports/${mineId}` })).statusCode).toBe(
        401,
      );
    });

    it('refuses bad input with 400 and a clear message', async () => {
      const cases: [unknown, number, string][] = [
        [quick('99'), 400, 'there is no province 99'],
        [
          { kind: 'quick', params: { provinceCode: '48', round: 1, asOf: '2020-09-21T08:00+07:00' } },
          400,
          'is in the future',
        ],
        [
          { kind: 'quick', params: { provinceCode: '48', round: 1, asOf: '2020-09-13T08:30+07:00' } },
          400,
          'not on a whole hour',
        ],
        [{ kind: 'quick', params: { provinceCode: '48', asOf: AS_OF } }, 400, 'params.round'],
        [
          { kind: 'quick', params: { provinceCode: '48', round: 1, asOf: AS_OF, from: '2020-09-01' } },
          400,
          'params.from does not apply to a quick report',
        ],
        [
          { kind: 'quick', params: { provinceCode: '48', round: 1, asOf: AS_OF, date: '2020-09-12' } },
          400,
          'before the day of its figures',
        ],
        [
          { kind: 'tracing', params: { from: '2020-09-13', to: '2020-09-01' } },
          400,
          'params.to must be after params.from',
        ],
        [{ kind: 'annual', params: {} }, 400, 'body.kind must be one of quick, national, tracing'],
        [quick('48', { content: { narrative: { secret: 'x' } } }), 400, 'unknown field "secret"'],
        [quick('22'), 409, 'Tỉnh Quảng Ninh has no smartphone denominator'],
      ];
      for (const [body, status, message] of cases) {
        const r = await admin('POST', '/admin/v1/reports', body);
        expect([r.statusCode, r.json().error.message]).toEqual([status, expect.stringContaining(message)]);
        if (status === 409) expect(r.json().error.code).toBe('report_figures_missing');
      }
      const badFormat = await admin('GET', '/admin/v1/reports/rpt_x/file.doc');
      expect(badFormat.statusCode).toBe(400);
      const badPreview = await admin('POST', '/admin/v1/reports/preview?format=odt', quick('48'));
      expect([badPreview.statusCode, badPreview.json().error.message]).toEqual([
        400,
        'querystring.format must be one of docx, pdf, xlsx',
      ]);
      const tracingXlsx = await admin('POST', '/admin/v1/reports/preview?format=xlsx', {
        kind: 'tracing',
        params: { from: '2020-09-01', to: '2020-09-13' },
      });
      expect([tracingXlsx.statusCode, tracingXlsx.json().error.message]).toEqual([
        400,
        'a tracing report has no XLSX; ask for docx or pdf',
      ]);
      expect((await admin('GET', '/admin/v1/reports/rpt_missing')).statusCode).toBe(404);
    });

    it('previews without registering, and issues from a saved draft', async () => {
      const before = await t.storage.db.selectFrom('reports').select('id').execute();
      const preview = await admin('POST', '/admin/v1/reports/preview?format=docx', quick('79'));
      expect(preview.statusCode, preview.body).toBe(200);
      expect(preview.headers['content-disposition']).toContain(
        "filename*=UTF-8''B%E1%BA%A3n%20xem%20tr%C6%B0%E1%BB%9Bc",
      );
      const text = docxText(new Uint8Array(preview.rawPayload));
      expect(text).toContain('Số: …/BC-STTTT');
      expect(text).toContain('25,00 %'); // TP.HCM: 10 of 40 smartphones
      expect(await t.storage.db.selectFrom('reports').select('id').execute()).toHaveLength(before.length);

      const created = await asUser(t, hcmAdmin, 'POST', '/admin/v1/reports/drafts', {
        kind: 'quick',
        params: { round: 3 },
        content: { narrative: { propaganda: 'Bản nháp đầu tiên.' } },
      });
      expect(created.statusCode, created.body).toBe(201);
      const draft = created.json() as { id: string; params: unknown };
      const replaced = await t.app.inject({
        method: 'PUT',
        url: `/admin/v1/reports/drafts/${draft.id}`,
        headers: { cookie: hcmAdmin.cookie, 'x-csrf-token': hcmAdmin.csrf },
        payload: {
          kind: 'quick',
          params: { provinceCode: '79', round: 3, asOf: AS_OF },
          content: { narrative: { propaganda: 'Đã phát 120 tin bài tuyên truyền về Bluezone.' } },
        },
      });
      expect(replaced.statusCode, replaced.body).toBe(200);
      expect((await asUser(t, national, 'GET', `/admin/v1/reports/drafts/${draft.id}`)).statusCode).toBe(200);
      const drafts = (await asUser(t, hcmViewer, 'GET', '/admin/v1/reports/drafts')).json() as {
        drafts: { id: string }[];
      };
      expect(drafts.drafts.map((d) => d.id)).toContain(draft.id);

      const issued = await asUser(t, hcmAdmin, 'POST', '/admin/v1/reports', {
        kind: 'quick',
        params: {},
        draftId: draft.id,
      });
      expect(issued.statusCode, issued.body).toBe(201);
      const report = issued.json() as ReportSummary;
      expect(report.params).toMatchObject({ provinceCode: '79', round: 3 });
      const docx = await asUser(t, hcmAdmin, 'GET', `/admin/v1/reports/${report.id}/file.docx`);
      expect(docxText(new Uint8Array(docx.rawPayload))).toContain(
        'Đã phát 120 tin bài tuyên truyền về Bluezone.',
      );
      expect((await asUser(t, hcmAdmin, 'GET', `/admin/v1/reports/drafts/${draft.id}`)).statusCode).toBe(404);
    });
  });
}
