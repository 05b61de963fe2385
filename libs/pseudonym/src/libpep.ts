/**
 * Loads the PEP reference implementation, @nolai/libpep-wasm 0.12.0 (Rust libpep compiled to
 * WebAssembly, ristretto255 via curve25519-dalek). Its Node entry is built for bundlers, so on
 * Node we load the `pkg-web` build by path and instantiate the wasm synchronously. Workers get
 * the compiled WebAssembly.Module instead of compiling their own.
 */
import type * as Libpep from '@nolai/libpep-wasm/pkg-web/libpep';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type LibpepModule = typeof Libpep;
export type ScalarNonZero = Libpep.ScalarNonZero;
export type GroupElement = Libpep.GroupElement;

export interface LibpepLocation {
  readonly modulePath: string;
  readonly wasmPath: string;
}

/** The package's exports map hides pkg-web; find it next to the exported `pkg` build. */
export function libpepLocation(): LibpepLocation {
  const exported = require.resolve('@nolai/libpep-wasm');
  const dir = join(dirname(exported), '..', 'pkg-web');
  return { modulePath: join(dir, 'libpep.js'), wasmPath: join(dir, 'libpep_bg.wasm') };
}

// The compiler's lib (ES2023, no DOM) has no WebAssembly types; to us a module is opaque.
export interface WasmModule {
  readonly __opaque: 'WebAssembly.Module';
}
declare const WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule };

let compiled: WasmModule | undefined;
let loaded: LibpepModule | undefined;

export function libpepWasmModule(): WasmModule {
  compiled ??= new WebAssembly.Module(readFileSync(libpepLocation().wasmPath));
  return compiled;
}

/** The initialized module for this thread (loaded once). */
export function loadLibpep(): LibpepModule {
  if (!loaded) {
    // An ES module outside the package's exports: Node >= 20.19 loads it with require().
    const pep = require(libpepLocation().modulePath) as LibpepModule;
    pep.initSync({ module: libpepWasmModule() as never }); // a real WebAssembly.Module at run time
    loaded = pep;
  }
  return loaded;
}
