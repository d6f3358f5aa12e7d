/**
 * The SMS adapters (console, file, HTTP gateway, memory), the adapter `BLUEZONE_SMS` selects,
 * and the text of the code message.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.js';
import { otpMessage } from '../src/features/phones/otp-message.js';
import { consoleSmsSender } from '../src/sms/console-sender.js';
import { createSmsSender } from '../src/sms/create-sms-sender.js';
import { fileSmsSender } from '../src/sms/file-sender.js';
import { httpSmsSender } from '../src/sms/http-sender.js';
import { memorySmsSender } from '../src/sms/memory-sender.js';
import { SmsDeliveryError } from '../src/sms/sms-sender.js';

const AT = Date.UTC(2020, 7, 8, 9, 0, 0);
const TO = '+84912345678';
const TEXT = 'Mã xác thực Bluezone của bạn là 123456. Mã có hiệu lực trong 5 phút.';

describe('the code message', () => {
  it('is in Vietnamese with diacritics by default, in English for locale en', () => {
    expect(otpMessage('vi', '123456', 5)).toBe(TEXT);
    expect(otpMessage('en', '004711', 5)).toBe(
      'Your Bluezone verification code is 004711. It is valid for 5 minutes.',
    );
  });

  it('is NFC-normalised and fits one UCS-2 SMS segment (70 characters)', () => {
    const vi = otpMessage('vi', '999999', 5);
    expect(vi).toBe(vi.normalize('NFC'));
    expect(vi.length).toBeLessThanOrEqual(70);
  });
});

describe('SMS adapters', () => {
  it('memory: keeps every message and finds the last one to a number', async () => {
    const sms = memorySmsSender();
    await sms.send(TO, 'one');
    await sms.send('+84987654321', 'other');
    await sms.send(TO, 'two');
    expect(sms.sent).toHaveLength(3);
    expect(sms.lastTo(TO)).toEqual({ to: TO, text: 'two' });
    expect(sms.lastTo('+84900000000')).toBeUndefined();
  });

  it('console: writes one JSON line per message to its stream', async () => {
    const lines: string[] = [];
    const sms = consoleSmsSender(() => AT, { write: (line: string) => lines.push(line) });
    await sms.send(TO, TEXT);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({
      type: 'sms',
      to: TO,
      text: TEXT,
      sentAt: '2020-08-08T09:00:00.000Z',
    });
  });

  it('file: appends {to, text, sentAt} lines, creating the directory', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bluezone-sms-')), 'nested', 'sms.jsonl');
    const sms = fileSmsSender(path, () => AT);
    await sms.send(TO, TEXT);
    await sms.send('+84987654321', 'hai');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { to: TO, text: TEXT, sentAt: '2020-08-08T09:00:00.000Z' },
      { to: '+84987654321', text: 'hai', sentAt: '2020-08-08T09:00:00.000Z' },
    ]);
  });

  it('file: fails with SmsDeliveryError when the file cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bluezone-sms-'));
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const sms = fileSmsSender(join(blocker, 'sms.jsonl'), () => AT);
    const error = await sms.send(TO, TEXT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsDeliveryError);
    expect((error as Error).message).toMatch(/^cannot append to the SMS file/);
    expect((error as Error).message).not.toContain(TO);
  });

  describe('http', () => {
    let server: Server;
    let base: string;
    let answer: (req: IncomingMessage) => { status: number; delayMs?: number } = () => ({ status: 200 });
    const received: { body: unknown; headers: IncomingMessage['headers']; url: string | undefined }[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            headers: req.headers,
            url: req.url,
          });
          const { status, delayMs = 0 } = answer(req);
          setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end('{}'), delayMs);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    afterEach(() => {
      answer = () => ({ status: 200 });
      received.length = 0;
    });

    it('POSTs {to, text} as JSON and resolves on 2xx', async () => {
      await httpSmsSender(`${base}/send?channel=otp`).send(TO, TEXT);
      // Only this test's requests: a request of an earlier test (the timed-out one) may still
      // reach the server after that test's clean-up, in whatever order the tests run.
      const mine = received.filter((r) => r.url === '/send?channel=otp');
      expect(mine).toHaveLength(1);
      expect(mine[0]!.body).toEqual({ to: TO, text: TEXT });
      expect(mine[0]!.headers['content-type']).toBe('application/json');
      expect(mine[0]!.headers.authorization).toBeUndefined();
    });

    it('sends credentials in the URL as Basic authentication', async () => {
      const url = `${base.replace('http://', 'http://bluezone:s%40cret@')}/send`;
      await httpSmsSender(url).send(TO, TEXT);
      expect(received[0]!.headers.authorization).toBe(
        `Basic ${Buffer.from('bluezone:s@cret').toString('base64')}`,
      );
    });

    it('fails with SmsDeliveryError on a non-2xx answer, naming the status only', async () => {
      answer = () => ({ status: 502 });
      const error = await httpSmsSender(`${base}/send`)
        .send(TO, TEXT)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SmsDeliveryError);
      expect((error as Error).message).toBe('the SMS gateway answered HTTP 502');
    });

    it('fails with SmsDeliveryError when the gateway does not answer in time', async () => {
      answer = () => ({ status: 200, delayMs: 500 });
      const error = await httpSmsSender(`${base}/send`, 50)
        .send(TO, TEXT)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SmsDeliveryError);
      expect((error as Error).message).toBe('the SMS gateway did not answer within 50 ms');
    });

    it('fails with SmsDeliveryError when the gateway cannot be reached', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const error = await httpSmsSender(`http://127.0.0.1:${port}/send`)
        .send(TO, TEXT)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SmsDeliveryError);
      expect((error as Error).message).toBe('the SMS gateway cannot be reached');
    });

    it('is what BLUEZONE_SMS=http:URL selects', async () => {
      const config = loadConfig({ BLUEZONE_SMS: `http:${base}/gateway` });
      await createSmsSender(config.sms).send(TO, 'from config');
      expect(received[0]).toMatchObject({ url: '/gateway', body: { to: TO, text: 'from config' } });
    });
  });

  it('BLUEZONE_SMS=file:PATH selects the file adapter', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bluezone-sms-')), 'sms.jsonl');
    const config = loadConfig({ BLUEZONE_SMS: `file:${path}` });
    await createSmsSender(config.sms, () => AT).send(TO, TEXT);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      to: TO,
      text: TEXT,
      sentAt: '2020-08-08T09:00:00.000Z',
    });
  });

  it('BLUEZONE_SMS=console (the default) selects the console adapter, writing to stdout', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await createSmsSender(loadConfig({}).sms, () => AT).send(TO, TEXT);
    } finally {
      spy.mockRestore();
    }
    const ours = written.filter((l) => l.startsWith('{"type":"sms"'));
    expect(ours.map((l) => JSON.parse(l))).toEqual([
      { type: 'sms', to: TO, text: TEXT, sentAt: '2020-08-08T09:00:00.000Z' },
    ]);
  });
});
