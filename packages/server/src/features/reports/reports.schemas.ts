/**
 * The request shapes of the reports feature (TypeBox): the parameters of a report, the content
 * written for it (narrative sections, campaign figures, issuer, signer, recipients), and the issue
 * request that joins them. The admin API validates bodies with them; the CLI checks a
 * `--narrative FILE.json` against {@link ReportContent} with {@link contentProblem}.
 *
 * @module
 */
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';

/** Kinds of report. */
export const REPORT_KINDS = ['quick', 'national', 'tracing'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** Formats rendered at issue time. */
export const REPORT_FORMATS = ['docx', 'pdf', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const Text = (description: string, maxLength = 4000) => Type.String({ minLength: 1, maxLength, description });
const Items = (description: string) => Type.Array(Text('one item', 2000), { maxItems: 30, description });
const Count = (description: string) => Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description });
const Day = (description: string) =>
  Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description, examples: ['2020-09-13'] });

/** The narrative sections of the quick report (reports package `QuickNarrative`). */
export const QuickNarrativeSchema = Type.Object(
  {
    basis: Type.Optional(Text('the instruction answered: "Công văn số 123/BCĐ ngày 10/9/2020"', 500)),
    basisIssuer: Type.Optional(Text('who instructed it (default: the province’s steering committee)', 500)),
    directives: Type.Optional(Text('section 1: the directives issued')),
    agencies: Type.Optional(Text('section 1: what the agencies did, before the figures')),
    propaganda: Type.Optional(Text('section 2.1: information and propaganda work')),
    telecom: Type.Optional(Text('section 2.2: telecommunications and IT work')),
    grassroots: Type.Optional(Text('section 3: grassroots information system')),
    lessons: Type.Optional(Items('section 4: lessons ("– …" items)')),
    proposals: Type.Optional(Items('section 4: proposals ("+ …" items)')),
  },
  { additionalProperties: false },
);

/** The communication campaign figures (reports package `CampaignFigures`). */
export const CampaignSchema = Type.Object(
  {
    press: Type.Optional(
      Type.Object(
        {
          from: Day('first day of the press count'),
          to: Day('last day of the press count'),
          articles: Count('articles'),
          outlets: Count('press outlets'),
        },
        { additionalProperties: false },
      ),
    ),
    smsMessages: Type.Optional(Count('SMS messages sent')),
    zaloMessages: Type.Optional(Count('Zalo messages sent')),
    audioFiles: Type.Optional(Count('audio files broadcast by commune radio')),
    fanpages: Type.Optional(
      Type.Array(
        Type.Object(
          { name: Text('fanpage name', 200), followers: Count('followers') },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The issuing body (the number is the register's, never given). */
export const IssuerSchema = Type.Object(
  {
    parentBody: Type.Optional(Text('parent body: "UBND tỉnh Thái Nguyên"', 200)),
    body: Type.Optional(Text('issuing body: "Sở Thông tin và Truyền thông"', 200)),
    bodyInSentence: Type.Optional(Text('the body’s name inside sentences', 200)),
    code: Type.Optional(
      Type.String({ pattern: '^[A-ZĐ0-9&-]{1,20}$', description: 'abbreviation after "BC-": STTTT' }),
    ),
    place: Type.Optional(Text('place of the date line: "Thái Nguyên"', 100)),
  },
  { additionalProperties: false },
);

export const SignerSchema = Type.Object(
  {
    authority: Type.Optional(Text('"KT. GIÁM ĐỐC"', 100)),
    title: Type.Optional(Text('"PHÓ GIÁM ĐỐC"', 100)),
    name: Type.Optional(Text('full name', 100)),
  },
  { additionalProperties: false },
);

/** What the authors write: saved with the report (and in drafts). */
export const ReportContent = Type.Object(
  {
    narrative: Type.Optional(QuickNarrativeSchema),
    campaign: Type.Optional(CampaignSchema),
    directions: Type.Optional(Items('national report: solutions and directions')),
    assessment: Type.Optional(Items('tracing report: assessment and proposals')),
    issuer: Type.Optional(IssuerSchema),
    signer: Type.Optional(SignerSchema),
    recipients: Type.Optional(
      Type.Array(Text('one "Nơi nhận" line', 300), { maxItems: 30, description: 'default: the form’s list' }),
    ),
  },
  { additionalProperties: false },
);
export type ReportContent = Static<typeof ReportContent>;

/** The parameters of a report. Which are needed depends on the kind (docs/api.md, "Reports"). */
export const ReportParams = Type.Object(
  {
    provinceCode: Type.Optional(Type.String({ pattern: '^[0-9]{2}$', description: 'quick: the province' })),
    round: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 999, description: 'quick: the campaign round ("đợt")' }),
    ),
    asOf: Type.Optional(
      Type.String({
        maxLength: 40,
        description:
          'quick, national: the figures count up to this whole hour (2020-09-13T08:00+07:00; a date = its 24:00, Vietnam time)',
      }),
    ),
    from: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'tracing: start of the period (a date = its 00:00), inclusive',
      }),
    ),
    to: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'tracing: end of the period (a date = its 24:00), exclusive',
      }),
    ),
    tracingFrom: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'national: start of the tracing section’s period (default 14 days before asOf)',
      }),
    ),
    exampleProvince: Type.Optional(
      Type.String({ pattern: '^[0-9]{2}$', description: 'national: a province shown with its districts' }),
    ),
    date: Type.Optional(Day('date of the report (default: today in Vietnam)')),
  },
  { additionalProperties: false },
);
export type ReportParams = Static<typeof ReportParams>;

/** `POST /admin/v1/reports` and `POST /admin/v1/reports/preview`. */
export const IssueReportRequest = Type.Object(
  {
    kind: Type.Enum([...REPORT_KINDS]),
    params: ReportParams,
    content: Type.Optional(ReportContent),
    draftId: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          'take the content of this draft (content given here replaces it); the draft is removed when issued',
      }),
    ),
  },
  { additionalProperties: false },
);
export type IssueReportRequest = Static<typeof IssueReportRequest>;

/** `PUT /admin/v1/reports/drafts/:id` and `POST /admin/v1/reports/drafts`. */
export const DraftRequest = Type.Object(
  {
    kind: Type.Enum([...REPORT_KINDS]),
    params: ReportParams,
    content: Type.Optional(ReportContent),
  },
  { additionalProperties: false },
);
export type DraftRequest = Static<typeof DraftRequest>;

/** Why `value` is not a {@link ReportContent} (first problem, with its path), or undefined. */
export function contentProblem(value: unknown): string | undefined {
  if (Value.Check(ReportContent, value)) return undefined;
  const errors = [...Value.Errors(ReportContent, value)];
  const first = errors.find((e) => e.keyword !== 'boolean') ?? errors[0];
  if (!first) return 'is not a report content object';
  const where = first.instancePath === '' ? 'the object' : first.instancePath.slice(1).replaceAll('/', '.');
  if (first.keyword === 'additionalProperties') {
    const extra = (first.params as { additionalProperties?: string[] }).additionalProperties ?? [];
    return `${where} has an unknown field "${extra.join('", "')}"`;
  }
  return `${where} ${first.message}`;
}
