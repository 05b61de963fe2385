import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseProvisioningSpec, renderStrimzi } from '@smis/provisioning';
import { EXIT, type ExitCode } from '../exit-codes';
import { CliError, type CliIo } from '../io';

export interface RenderFlags {
  out?: string;
}

/** File names the rendered resources are written to in `--out`. */
export const STRIMZI_FILES = Object.freeze({ topics: 'topics.yaml', users: 'users.yaml' });

/** `smis admin render-strimzi <file>`: KafkaTopic and KafkaUser resources from the provisioning file. */
export function runRenderStrimzi(file: string, flags: RenderFlags, io: CliIo): ExitCode {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`, EXIT.failure);
  }
  const spec = parseProvisioningSpec(text, file);
  const generatedBy = `${path.relative(process.cwd(), path.resolve(file)) || file} by \`smis admin render-strimzi\``;
  const rendered = renderStrimzi(spec, generatedBy);
  if (!flags.out) {
    io.stdout(`${rendered.topics}${rendered.users.replace(/^#.*\n/, '')}`);
    return EXIT.ok;
  }
  mkdirSync(flags.out, { recursive: true });
  for (const [kind, name] of Object.entries(STRIMZI_FILES) as Array<[keyof typeof STRIMZI_FILES, string]>) {
    writeFileSync(path.join(flags.out, name), rendered[kind]);
    io.stderr(`wrote ${path.join(flags.out, name)}\n`);
  }
  return EXIT.ok;
}
