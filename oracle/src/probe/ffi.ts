/**
 * Loading the NVIDIA libraries through koffi.
 *
 * koffi is imported lazily: a replaying probe, a node and the tests that never touch a GPU must not need its native
 * module. Every pointer argument is declared `void *` and given a Buffer (for out-parameters) or a BigInt (for handles,
 * which koffi 3 represents as BigInts), so the code controls each struct's layout byte by byte, including structs
 * whose size differs between driver versions.
 */
import type { LibraryHandle } from "koffi";

export type Koffi = typeof import("koffi").default;

let koffiModule: Promise<Koffi> | undefined;

export function loadKoffi(): Promise<Koffi> {
  koffiModule ??= import("koffi").then((m) => m.default).catch((error: unknown) => {
    koffiModule = undefined;
    throw new Error(
      `koffi (the FFI that reaches NVML, CUDA and cuBLASLt) failed to load: ${(error as Error).message}; ` +
        "install the oracle workspace's dependencies, or run the bundled probe with its node_modules folder beside it",
    );
  });
  return koffiModule;
}

/** What a missing library means to the person running the probe. */
export type LibrarySpec = {
  /** Sonames tried in order, e.g. `libcublasLt.so.13` then `.12`. */
  names: readonly string[];
  /** Environment variable that names an exact file, overriding `names`. */
  env: string;
  /** Why the probe needs it, in a clause: "NVML is required to read GPU identity and health". */
  why: string;
  /** What to do about it. */
  fix: string;
  /** What its absence most likely means: "no NVIDIA driver on this host". */
  meaning: string;
  /** Directories tried after the loader's own search path, for libraries the CUDA toolkit installs off it. */
  dirs?: readonly string[];
};

export class LibraryMissingError extends Error {
  override name = "LibraryMissingError";
}

/**
 * Opens the first of `spec.names` the dynamic loader finds (or the file `$spec.env` names). The message names what is
 * missing, what that means, why the probe needs it and how to fix it, with each loader error attached.
 */
export async function openLibrary(spec: LibrarySpec, env: NodeJS.ProcessEnv = process.env): Promise<{ lib: LibraryHandle; path: string }> {
  const koffi = await loadKoffi();
  const override = env[spec.env];
  const candidates = override
    ? [override]
    : [...spec.names, ...(spec.dirs ?? []).flatMap((dir) => spec.names.map((name) => `${dir}/${name}`))];
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      return { lib: koffi.load(path), path };
    } catch (error) {
      failures.push((error as Error).message.split("\n")[0]!);
    }
  }
  const what = override ? `${override} (from $${spec.env})` : spec.names.join(", ");
  throw new LibraryMissingError(
    `${what} not found: ${spec.meaning} (${spec.why}); ${spec.fix}` +
      (override ? `, or unset $${spec.env}` : `, or set $${spec.env} to the library's path`) +
      `. Loader said: ${failures.join(" | ")}`,
  );
}

/** Binds a C prototype, or returns null where this library version lacks the symbol (renamed or newer API). */
export function optionalFunc(lib: LibraryHandle, prototype: string): ((...args: unknown[]) => unknown) | null {
  try {
    return lib.func(prototype);
  } catch {
    return null;
  }
}

/** Binds a C prototype the probe cannot work without. */
export function requiredFunc(lib: LibraryHandle, path: string, prototype: string): (...args: unknown[]) => unknown {
  try {
    return lib.func(prototype);
  } catch (error) {
    throw new Error(`${path} lacks ${prototype}: ${(error as Error).message}; the library is too old, update the NVIDIA driver or CUDA`);
  }
}

/** A NUL-terminated C string written into `buffer`. */
export function cString(buffer: Buffer): string {
  const end = buffer.indexOf(0);
  return buffer.toString("utf8", 0, end === -1 ? buffer.length : end);
}

/** Room for one C pointer or 64-bit handle, read back as a BigInt. */
export const pointerOut = (): Buffer => Buffer.alloc(8);
