/**
 * Regenerates libs/crypto/test-vectors/envelopes.json. Only needed when the wire format or the
 * cases change; both implementations must produce the same file (checked here and in the spec).
 * Usage: node tools/run-ts.cjs libs/crypto/src/test-vectors/cli.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildVectors } from './cases';

const sodium = JSON.stringify(buildVectors('sodium-native'), null, 2);
const tweetnacl = JSON.stringify(buildVectors('tweetnacl'), null, 2);
if (sodium !== tweetnacl) {
  console.error('sodium-native and tweetnacl produced different vectors: not writing');
  process.exit(1);
}
const file = join(__dirname, '..', '..', 'test-vectors', 'envelopes.json');
writeFileSync(file, `${sodium}\n`);
console.log(`wrote ${file}`);
