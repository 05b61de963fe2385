import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  PlanRefusedError,
  ProvisioningSpecError,
  SecretReferenceError,
  type ResourceKind,
} from '@smis/provisioning';
import { SenderSdkError } from '@smis/sender-sdk';
import { RESOURCE_KINDS, runApply, type ApplyDependencies, type ApplyFlags } from './admin/apply-command';
import { runRenderStrimzi, type RenderFlags } from './admin/render-strimzi-command';
import { runReplayDeadLetters, type ReplayFlags } from './admin/replay-dlq-command';
import { EXIT, EXIT_CODES_HELP, type ExitCode } from './exit-codes';
import { CliError, processIo, type CliIo } from './io';
import { CONNECTION_HELP } from './kafka/connection-options';
import { KAFKA_LIBS_HELP } from './scram/config-command-scram-admin';
import {
  BROADCAST_HELP,
  runBroadcastCancel,
  runBroadcastSend,
  runBroadcastWatch,
  type BroadcastSendFlags,
  type BroadcastWatchFlags,
} from './broadcast/broadcast-commands';
import { runOnboard, type OnboardFlags } from './sender/onboard-command';
import { runCostReport, runScorecard, type ReportFlags } from './sender/report-commands';
import {
  runBulk,
  runSend,
  runWatch,
  type BulkFlags,
  type SendFlags,
  type WatchFlags,
} from './sender/sender-commands';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const PROFILE_HELP = `
Sender profile: --profile <file> (JSON from the platform team: senderId, keyId, secretKey,
publicKey, digestKey, systemPublicKey, channelKeys, gatewayUrl, brokers). Without it, the local
demo sender that 'npm start' registered in $SMIS_DATA_DIR (.smis) is used.`;

function profileOptions(command: Command): Command {
  return command
    .option('--profile <file>', 'sender profile (default: the local demo sender in .smis)')
    .option('--gateway <url>', 'REST gateway base URL (default from the profile)')
    .option('--brokers <host:port,...>', 'publish through Kafka at these brokers (default from the profile)')
    .option('--rest', 'publish through the REST gateway instead of Kafka');
}

/** What the app shows: the same for `send`, `send-bulk` and `broadcast send`. */
function contentOptions(command: Command): Command {
  return command
    .option('--title <title>', 'title shown in the app', 'Message')
    .option('--lang <lang>', 'language of a --text without a prefix', 'en')
    .option('--qr <data>', 'a QR code with this data')
    .option('--image <file>', 'a PNG, JPEG or WebP image')
    .option(
      '--image-alt <[lang=]text>',
      'what the image shows, for screen readers, once per language (default: the title)',
      collect,
    )
    .option('--ebox <documentId>', "a link to a document in the citizen's e-Box")
    .option('--wallet <offerUri>', 'an OpenID4VCI credential offer');
}

function messageOptions(command: Command): Command {
  return contentOptions(command)
    .option('--sms <text>', 'SMS fallback text (sealed to the SMS channel)')
    .option('--email-subject <subject>', 'e-mail fallback subject')
    .option('--email-body <body>', 'e-mail fallback body')
    .option('--category <category>', 'category of the sender policy', 'health')
    .addOption(
      new Option('--priority <priority>', 'URGENT bypasses quiet hours')
        .choices(['NORMAL', 'URGENT'])
        .default('NORMAL'),
    )
    .option('--expires <when>', 'expiry: a duration (30m, 2h, 7d) or an ISO instant', '7d')
    .option('--fallback-window <seconds>', 'seconds the app has before SMS fallback');
}

/** Broadcasts are published on Kafka and followed over HTTP: no --rest. */
function broadcastProfileOptions(command: Command): Command {
  return command
    .option('--profile <file>', 'sender profile (default: the local demo sender in .smis)')
    .option('--gateway <url>', 'platform base URL for progress and cancellation (default from the profile)')
    .option('--brokers <host:port,...>', 'Kafka bootstrap servers (default from the profile)');
}

export type CliDependencies = Omit<ApplyDependencies, 'io' | 'env'> & { io?: CliIo; env?: NodeJS.ProcessEnv };

function resourceKinds(value: string): ResourceKind[] {
  const kinds = value.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !RESOURCE_KINDS.includes(k as ResourceKind));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `expected a list of ${RESOURCE_KINDS.join(', ')}; got ${unknown.join(', ')}`,
    );
  return kinds as ResourceKind[];
}

function connectionOptions(command: Command): Command {
  return command
    .option('--brokers <host:port,...>', 'bootstrap servers (default: $KAFKA_BROKERS)')
    .option('--sasl-username <user>', 'SCRAM-SHA-512 administrator (default: $KAFKA_SASL_USERNAME)')
    .option('--sasl-password-file <file>', 'file holding its password (default: $KAFKA_SASL_PASSWORD)')
    .option('--tls', 'connect with TLS')
    .option('--tls-ca-file <file>', 'PEM file of the CA that signed the brokers (implies --tls)');
}

/** The `smis` program; `run` maps its outcome to an exit code instead of exiting. */
function buildProgram(
  io: CliIo,
  env: NodeJS.ProcessEnv,
  deps: CliDependencies,
  result: { code: ExitCode },
): Command {
  const program = new Command('smis')
    .description('Send messages through the SMIS platform and operate it (provisioning, dead letters).')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const admin = program
    .command('admin')
    .description(
      'platform administration: apply the provisioning file, replay dead letters, render Strimzi resources',
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();

  connectionOptions(
    admin
      .command('apply')
      .description(
        'apply a provisioning file: create and alter topics, SCRAM users and ACLs until the cluster matches it (idempotent)',
      )
      .argument('<file>', 'provisioning file, e.g. deploy/provisioning/platform.yaml'),
  )
    .option('--dry-run', 'print what would change (+ create, ~ alter, - delete), change nothing')
    .option('--exit-code', 'with --dry-run: exit 3 when the cluster differs from the file')
    .option('--profile <name>', "apply one of the file's profiles, e.g. local for a one-node broker")
    .option(
      '--skip <kinds>',
      `leave these alone: ${RESOURCE_KINDS.join(', ')} (comma-separated)`,
      resourceKinds,
    )
    .option('--allow-topic-deletion', 'delete topics that are no longer declared (and their records)')
    .option('--kafka-libs <dir>', "directory of Kafka's jars, for SCRAM users (default: see below)")
    .addOption(new Option('--output <format>', 'plan format').choices(['text', 'json']).default('text'))
    .addHelpText('after', `${CONNECTION_HELP}\n${KAFKA_LIBS_HELP}\n${EXIT_CODES_HELP}`)
    .exitOverride()
    .action(async (file: string, flags: ApplyFlags) => {
      if (flags.exitCode && !flags.dryRun)
        throw new CliError('--exit-code only goes with --dry-run', EXIT.usage);
      result.code = await runApply(file, flags, { ...deps, io, env });
    });

  connectionOptions(
    admin
      .command('replay-dlq')
      .description(
        'publish the records of <topic>.dlq to <topic> again (after fixing what failed them); resumable, never twice',
      )
      .argument('<topic>', 'the source topic, e.g. smis.requests.v1'),
  )
    .option(
      '--dry-run',
      'list the records (partition/offset, error, reason) without publishing or committing',
    )
    .option('--group <id>', 'consumer group that remembers the progress (default: smis-dlq-replay.<topic>)')
    .addHelpText('after', `${CONNECTION_HELP}\n${EXIT_CODES_HELP}`)
    .exitOverride()
    .action(async (topic: string, flags: ReplayFlags) => {
      result.code = await runReplayDeadLetters(topic, flags, { ...deps, io, env });
    });

  admin
    .command('render-strimzi')
    .description(
      'write the KafkaTopic and KafkaUser resources of a provisioning file (for Strimzi operators)',
    )
    .argument('<file>', 'provisioning file')
    .option('--out <dir>', 'write topics.yaml and users.yaml there instead of printing them')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .action((file: string, flags: RenderFlags) => {
      result.code = runRenderStrimzi(file, flags, io);
    });

  messageOptions(
    profileOptions(
      program
        .command('send')
        .description("send one message: seal it for the citizen's devices, sign it, publish it")
        .option('--to <recipient>', 'niss:<11 digits> or tel:<E.164> (a bare NISS or phone number works too)')
        .option('--text <[lang=]text>', 'message text, once per language (nl=..., fr=...)', collect),
    ),
  )
    .option('--idempotency-key <key>', 'a second send with the same key is not delivered again')
    .option('--watch', 'then follow its statuses until final')
    .option('--timeout <seconds>', 'with --watch: stop after this long', '60')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `${PROFILE_HELP}\n${EXIT_CODES_HELP}`)
    .exitOverride()
    .action(async (flags: SendFlags) => {
      result.code = await runSend(flags, env, io);
    });

  messageOptions(
    profileOptions(
      program
        .command('send-bulk')
        .description(
          'send one message per CSV row (columns: recipient, text or text_nl/text_fr/..., title, sms, qr, category)',
        )
        .argument('<file>', 'CSV file with a header row'),
    ),
  )
    .option('--concurrency <n>', 'messages in flight at most', '16')
    .option('--no-progress', 'no progress bar')
    .addHelpText('after', `${PROFILE_HELP}\n${EXIT_CODES_HELP}`)
    .exitOverride()
    .action(async (file: string, flags: BulkFlags) => {
      result.code = await runBulk(file, flags, env, io);
    });

  profileOptions(
    program
      .command('watch')
      .description("print the sender's delivery statuses as they arrive")
      .option('--message <id>', 'only this message (repeatable); stops when all are final', collect)
      .option('--from-beginning', 'also the statuses already on the status topic')
      .option('--timeout <seconds>', 'stop after this long'),
  )
    .addHelpText('after', `${PROFILE_HELP}\n${EXIT_CODES_HELP}`)
    .exitOverride()
    .action(async (flags: WatchFlags) => {
      result.code = await runWatch(flags, env, io);
    });

  const broadcast = program
    .command('broadcast')
    .description('broadcasts: one signed message to everyone, alert regions or a list; follow it, cancel it')
    .addHelpText('after', `${BROADCAST_HELP}\n${EXIT_CODES_HELP}`)
    .exitOverride();
  contentOptions(
    broadcastProfileOptions(
      broadcast
        .command('send')
        .description(
          'sign and publish a broadcast (Kafka): to --everyone, to --region <code>..., or to a --list <file>',
        )
        .option('--everyone', 'every citizen with the app')
        .option(
          '--region <code...>',
          'citizens who chose one of these alert regions in the app (NIS codes, e.g. 21004; repeatable)',
        )
        .option('--list <file>', 'one NISS, phone number or polymorphic pseudonym per line (streamed)')
        .option('--text <[lang=]text>', 'message text, once per language (nl=..., fr=...)', collect),
    ),
  )
    .option('--category <category>', "one of the sender's broadcast categories", 'alert')
    .addOption(
      new Option('--priority <priority>', 'URGENT starts at once; NORMAL waits for the end of quiet hours')
        .choices(['NORMAL', 'URGENT'])
        .default('NORMAL'),
    )
    .option('--expires <when>', 'expiry: a duration (30m, 2h, 7d) or an ISO instant', '1d')
    .option('--chunk-size <n>', 'list recipients per record (1-10000)', '5000')
    .option('--watch', 'then follow its progress until it is done or cancelled')
    .option('--timeout <seconds>', 'with --watch: stop following after this long')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the result (and with --watch every progress view) as JSON')
    .addHelpText('after', `${BROADCAST_HELP}\n${PROFILE_HELP}\n${EXIT_CODES_HELP}`)
    .exitOverride()
    .action(async (flags: BroadcastSendFlags) => {
      result.code = await runBroadcastSend(flags, env, io);
    });

  broadcastProfileOptions(
    broadcast
      .command('watch')
      .description(
        'follow a broadcast with a progress bar (targeted, pushes sent, delivered, read) until it is done or cancelled',
      )
      .argument('<broadcastId>', 'the id `broadcast send` printed'),
  )
    .option('--interval <seconds>', 'between two questions to the platform', '1')
    .option('--timeout <seconds>', 'stop following after this long (exit 1)')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print every progress view as a JSON line')
    .addHelpText('after', `${BROADCAST_HELP}\n${PROFILE_HELP}\n${EXIT_CODES_HELP}`)
    .exitOverride()
    .action(async (broadcastId: string, flags: BroadcastWatchFlags) => {
      result.code = await runBroadcastWatch(broadcastId, flags, env, io);
    });

  broadcastProfileOptions(
    broadcast
      .command('cancel')
      .description(
        'cancel a broadcast that is receiving its list, scheduled or running: it leaves every inbox and its pushes stop',
      )
      .argument('<broadcastId>', 'the id `broadcast send` printed'),
  )
    .option('--json', 'print the broadcast after the cancellation as JSON')
    .addHelpText('after', `${BROADCAST_HELP}\n${PROFILE_HELP}\n${EXIT_CODES_HELP}`)
    .exitOverride()
    .action(async (broadcastId: string, flags: BroadcastWatchFlags) => {
      result.code = await runBroadcastCancel(broadcastId, flags, env, io);
    });

  const sender = program.command('sender').description('sender systems: onboarding').exitOverride();
  sender
    .command('onboard')
    .description(
      'onboard a sender system: signing and digest keys, registry entry with its code of conduct, Kafka principal, sender profile',
    )
    .argument('<senderId>', 'lower-case letters, digits and dashes')
    .requiredOption('--name <name>', 'display name (English)')
    .option('--name-nl <name>', 'display name in Dutch')
    .option('--name-fr <name>', 'display name in French')
    .option('--name-de <name>', 'display name in German')
    .option('--categories <list>', 'allowed categories (comma-separated)')
    .option('--broadcast <list>', 'categories it may broadcast')
    .option('--daily-quota <n>', 'messages per day')
    .option('--rate-per-second <n>', 'sustained messages per second')
    .option('--quiet-hours <HH:MM-HH:MM>', 'defer NORMAL messages in these hours (Europe/Brussels)')
    .option('--registry <file>', 'sender registry', path.join(env.SMIS_DATA_DIR ?? '.smis', 'senders.yaml'))
    .option(
      '--keys <file>',
      "the platform's keys (public parts are put in the profile)",
      path.join(env.SMIS_DATA_DIR ?? '.smis', 'keys.json'),
    )
    .option('--gateway <url>', 'gateway URL for the profile', `http://127.0.0.1:${env.PORT ?? '8080'}`)
    .option('--brokers <host:port,...>', 'Kafka bootstrap servers for the profile')
    .option('--out <file>', 'where to write the sender profile (default <senderId>.sender.json)')
    .option('--provisioning <file>', 'also add its Kafka principal to this provisioning file')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .action((senderId: string, flags: OnboardFlags) => {
      result.code = runOnboard(senderId, flags, io);
    });

  const report = program.command('report').description('reports: SMS cost, sender scorecard').exitOverride();
  report
    .command('cost')
    .description('SMS messages, segments and euros per sender and provider, and the SMS the app avoided')
    .option('--platform <url>', 'platform base URL', `http://127.0.0.1:${env.PORT ?? '8080'}`)
    .option('--from <instant>', 'ISO 8601, inclusive')
    .option('--to <instant>', 'ISO 8601, exclusive')
    .option('--json', 'print JSON')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .action(async (flags: ReportFlags) => {
      result.code = await runCostReport(flags, env, io);
    });
  profileOptions(
    report
      .command('scorecard')
      .description("a sender's scorecard: volume, rejections by reason, delivery, read and mute rates")
      .option('--since <instant>', 'ISO 8601')
      .option('--json', 'print JSON'),
  )
    .addHelpText('after', `${PROFILE_HELP}\n${EXIT_CODES_HELP}`)
    .exitOverride()
    .action(async (flags: ReportFlags & { since?: string }) => {
      result.code = await runScorecard(flags, env, io);
    });

  return program;
}

/** Runs `smis` with `argv` (without node and script) and resolves with its exit code; never exits the process. */
export async function runCli(argv: readonly string[], deps: CliDependencies = {}): Promise<ExitCode> {
  const io = deps.io ?? processIo;
  const env = deps.env ?? process.env;
  const result: { code: ExitCode } = { code: EXIT.ok };
  const program = buildProgram(io, env, deps, result);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; everything else commander rejects is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.stderr(`smis: ${error.message}\n`);
      return error.exitCode as ExitCode;
    }
    const known =
      error instanceof SenderSdkError ||
      error instanceof ProvisioningSpecError ||
      error instanceof SecretReferenceError ||
      error instanceof PlanRefusedError;
    io.stderr(`smis: ${known ? (error as Error).message : describe(error)}\n`);
    return EXIT.failure;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}
