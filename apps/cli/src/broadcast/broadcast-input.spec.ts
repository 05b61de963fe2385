import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyring } from '@smis/keyring';
import { decodeContent, encodeContent } from '@smis/message-content';
import { parseProvisioningSpec } from '@smis/provisioning';
import type { BroadcastView } from '@smis/sender-sdk';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli';
import { EXIT } from '../exit-codes';
import { buildSendInput } from '../sender/message-input';
import { runOnboard } from '../sender/onboard-command';
import { progressLine, summaryLine } from './broadcast-commands';
import { audienceKind, buildBroadcastInput, readListFile, regionCodes } from './broadcast-input';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

async function smis(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env,
    io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
  });
  return { code, stdout, stderr };
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'smis-broadcast-cli-'));

describe('smis broadcast: command line', () => {
  it('has help for the group and each command, with the exit codes', async () => {
    for (const argv of [
      ['broadcast', '--help'],
      ['broadcast', 'send', '--help'],
      ['broadcast', 'watch', '--help'],
      ['broadcast', 'cancel', '--help'],
    ]) {
      const { code, stdout } = await smis(argv);
      expect(code).toBe(EXIT.ok);
      expect(stdout).toContain('Exit codes:');
    }
    const send = (await smis(['broadcast', 'send', '--help'])).stdout;
    for (const option of ['--everyone', '--region', '--list', '--image-alt', '--priority', '--watch'])
      expect(send).toContain(option);
    expect((await smis(['broadcast', 'watch', '--help'])).stdout).toMatch(/CANCELLED \(exit 0\)/);
    expect((await smis(['send', '--help'])).stdout).toContain('--image-alt');
  });

  it('exits 2 on usage errors before touching the platform, saying what to do', async () => {
    const env = { SMIS_DATA_DIR: tmp() }; // no profile there: would be exit 2 too, but for another reason
    const noAudience = await smis(['broadcast', 'send', '--text', 'Hi'], env);
    expect(noAudience).toMatchObject({
      code: EXIT.usage,
      stderr: expect.stringMatching(/Choose the audience/),
    });
    const two = await smis(['broadcast', 'send', '--text', 'Hi', '--everyone', '--region', '21004'], env);
    expect(two).toMatchObject({
      code: EXIT.usage,
      stderr: expect.stringMatching(/not --everyone and --region/),
    });
    const region = await smis(['broadcast', 'send', '--text', 'Hi', '--region', 'brussels'], env);
    expect(region).toMatchObject({
      code: EXIT.usage,
      stderr: expect.stringMatching(/'brussels' is not a region code/),
    });
    const noText = await smis(['broadcast', 'send', '--everyone'], env);
    expect(noText).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/--text/) });
    const priority = await smis(
      ['broadcast', 'send', '--everyone', '--text', 'Hi', '--priority', 'LOUD'],
      env,
    );
    expect(priority.code).toBe(EXIT.usage);
    const chunk = await smis(['broadcast', 'send', '--everyone', '--text', 'Hi', '--chunk-size', '0'], env);
    expect(chunk).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/--chunk-size/) });
    const badId = await smis(['broadcast', 'watch', 'yesterday'], env);
    expect(badId).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/not a broadcast id/) });
    expect((await smis(['broadcast', 'cancel'], env)).stderr).toMatch(
      /missing required argument 'broadcastId'/,
    );
    const noProfile = await smis(['broadcast', 'send', '--everyone', '--text', 'Hi'], env);
    expect(noProfile).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/No sender profile/) });
  });

  it('parses the audience, regions and content into the SDK input', async () => {
    const base = {
      text: ['nl=Blijf binnen', 'fr=Restez à l’intérieur'],
      title: 'Alarm',
      category: 'alert',
      expires: '2h',
    };
    const everyone = buildBroadcastInput({ ...base, everyone: true, priority: 'URGENT' }).input;
    expect(everyone).toMatchObject({ audience: { kind: 'EVERYONE' }, category: 'alert', priority: 'URGENT' });
    expect(Number(everyone.expiresAt) - Date.now()).toBeGreaterThan(7_100_000);
    expect(decodeContent(encodeContent(everyone.content)).texts).toEqual({
      nl: { title: 'Alarm', body: 'Blijf binnen' },
      fr: { title: 'Alarm', body: 'Restez à l’intérieur' },
    });
    const regions = buildBroadcastInput({ ...base, region: ['21004', '44021,11002'] }).input;
    expect(regions.audience).toEqual({ kind: 'REGIONS', regions: ['21004', '44021', '11002'] });
    expect(regions.priority).toBe('NORMAL');
    expect(audienceKind({ ...base, list: 'people.txt' })).toBe('LIST');
    expect(() => regionCodes(['21004', ''])).toThrow(/'' is not a region code/);
  });

  it('streams a list file line by line, skipping blanks and comments, and names the line of a bad entry', async () => {
    const dir = tmp();
    const file = path.join(dir, 'people.txt');
    writeFileSync(
      file,
      '# flood zone\ntel:+32470990001\r\n\n  93051822361  \nniss:93051822399\n0470990002\n',
    );
    const entries = [];
    for await (const entry of readListFile(file)) entries.push(entry);
    expect(entries).toEqual([
      { line: 2, identifier: 'tel:+32470990001' },
      { line: 4, identifier: '93051822361' },
      { line: 5, identifier: 'niss:93051822399' },
      { line: 6, identifier: '0470990002' },
    ]);

    // The SDK pulls identifiers one at a time; lastLine() follows what it took.
    const { input, lastLine } = buildBroadcastInput({
      text: ['Hi'],
      category: 'alert',
      expires: '1d',
      list: file,
    });
    const recipients = (input.audience as { recipients: AsyncIterable<string> }).recipients;
    const pulled: string[] = [];
    for await (const r of recipients) {
      pulled.push(`${lastLine()}:${r}`);
      if (pulled.length === 2) break;
    }
    expect(pulled).toEqual(['2:tel:+32470990001', '4:93051822361']);

    const missing = path.join(dir, 'nobody.txt');
    await expect(async () => {
      for await (const _ of readListFile(missing)) void _;
    }).rejects.toThrow(/Cannot read --list .*nobody\.txt/);
  });

  it('draws progress and a summary with every counter', () => {
    const view: BroadcastView = {
      broadcastId: '2f1c0d4e-8d5b-4d63-9a43-0a6f0f6c1e11',
      senderId: 'crisis-centre',
      state: 'RUNNING',
      reason: null,
      audience: 'EVERYONE',
      category: 'alert',
      priority: 'URGENT',
      listRecipients: 0,
      devicesTargeted: 8,
      topicMessages: 1,
      pushesSent: 5,
      pushesFailed: 1,
      delivered: 2,
      read: 1,
      notBefore: '',
      expiresAt: '',
      finishedAt: null,
    };
    expect(progressLine(view, 8)).toBe(
      '[##......]  25% RUNNING        targeted 8 · pushes 5 + 1 topic (1 failed) · delivered 2 · read 1',
    );
    expect(summaryLine({ ...view, state: 'CANCELLED', reason: 'broadcast.cancelled' })).toBe(
      'broadcast 2f1c0d4e-8d5b-4d63-9a43-0a6f0f6c1e11 CANCELLED (broadcast.cancelled): targeted 8, ' +
        'pushes sent 5 + 1 topic message, failed 1, delivered 2, read 1',
    );
    expect(progressLine({ ...view, devicesTargeted: 0, delivered: 0 }, 4)).toMatch(/^\[\.{4}\] {3}0%/);
  });
});

describe('--image and --image-alt', () => {
  it('gives the image the text alternative the content format requires', () => {
    const file = path.join(tmp(), 'result.png');
    writeFileSync(file, PNG);
    const flags = {
      text: ['nl=Uw resultaat', 'fr=Votre résultat'],
      title: 'Test',
      category: 'health',
      expires: '1d',
    };
    const byDefault = buildSendInput({ ...flags, image: file }, 'tel:+32470000001');
    // Before the fix the SDK refused this content: $.parts[0].alt is required.
    const decoded = decodeContent(encodeContent(byDefault.content));
    expect(decoded.parts).toEqual([
      {
        kind: 'image',
        mediaType: 'image/png',
        data: PNG.toString('base64'),
        alt: { nl: 'Test', fr: 'Test' },
      },
    ]);
    const described = buildSendInput(
      { ...flags, image: file, imageAlt: ['nl=Grafiek van uw waarden', 'fr=Graphique de vos valeurs'] },
      'tel:+32470000001',
    );
    expect(decodeContent(encodeContent(described.content)).parts?.[0]).toMatchObject({
      alt: { nl: 'Grafiek van uw waarden', fr: 'Graphique de vos valeurs' },
    });
    // The type comes from the bytes, not the name.
    const misnamed = path.join(path.dirname(file), 'photo.jpg');
    copyFileSync(file, misnamed);
    expect(
      decodeContent(encodeContent(buildSendInput({ ...flags, image: misnamed }, 'x').content)).parts?.[0],
    ).toMatchObject({
      mediaType: 'image/png',
    });
    expect(() => buildSendInput({ ...flags, imageAlt: ['A chart'] }, 'x')).toThrow(
      /--image-alt goes with --image/,
    );
    expect(() => buildSendInput({ ...flags, image: path.join(tmp(), 'none.png') }, 'x')).toThrow(
      /Cannot read --image/,
    );
  });
});

describe('sender onboard --broadcast', () => {
  it('lets a broadcasting sender produce its lists too', () => {
    const dir = tmp();
    const keys = path.join(dir, 'keys.json');
    writeFileSync(keys, JSON.stringify(generateKeyring()));
    const provisioning = path.join(dir, 'platform.yaml');
    copyFileSync(path.join(ROOT, 'deploy/provisioning/platform.yaml'), provisioning);
    const io = { stdout: () => undefined, stderr: () => undefined };
    runOnboard(
      'flood-alerts',
      {
        name: 'Flood alerts',
        broadcast: 'alert',
        registry: path.join(dir, 'senders.yaml'),
        keys,
        gateway: 'http://127.0.0.1:8080',
        out: path.join(dir, 'flood-alerts.sender.json'),
        provisioning,
      },
      io,
    );
    const spec = parseProvisioningSpec(readFileSync(provisioning, 'utf8'));
    const sender = spec.senders.find((s) => s.id === 'flood-alerts');
    expect(sender?.produces.map((p) => p.name)).toEqual([
      'smis.requests.v1',
      'smis.broadcasts.v1',
      'smis.broadcasts.lists.v1',
    ]);
  });
});
