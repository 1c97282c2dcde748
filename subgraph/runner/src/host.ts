/**
 * The graph-ts host functions, bound to one compiled mapping module. graph-node instantiates a fresh
 * wasm instance for every trigger (so mapping globals never leak between handlers); this host does the
 * same, reusing the compiled module and one imports object whose functions read the current instance.
 * Imports are matched by function name, as graph-node does: the module part is just graph-ts's file.
 */
import { keccak256 } from "viem";
import { AscMemory, type AscExports } from "./asc.js";
import * as dec from "./bigdecimal.js";
import { bytesToHex, hexToBytes, readDecimal, readEntity, readValue, writeDecimal, writeEntity, type EntityData } from "./values.js";

/** What a handler may touch while it runs; the indexer supplies one per trigger. */
export interface HandlerContext {
  get(entity: string, id: string): EntityData | null;
  getInBlock(entity: string, id: string): EntityData | null;
  loadRelated(entity: string, id: string, field: string): EntityData[];
  set(entity: string, id: string, data: EntityData): void;
  remove(entity: string, id: string): void;
  dataSourceAddress: string;
  dataSourceContext: EntityData | null;
  network: string;
  createDataSource(template: string, params: string[], context: EntityData | null): void;
  log(level: LogLevel, message: string): void;
}

export type LogLevel = "critical" | "error" | "warning" | "info" | "debug";
const LOG_LEVELS: LogLevel[] = ["critical", "error", "warning", "info", "debug"];

/** A mapping failure: `abort`, a failed assert, a host-function error, or a wasm trap. */
export class MappingError extends Error {
  constructor(
    message: string,
    readonly handler: string,
  ) {
    super(message);
    this.name = "MappingError";
  }
}

/** Thrown inside host functions; surfaces as MappingError with the handler name attached. */
class HostAbort extends Error {}

type HostFn = (...args: number[]) => number | bigint | void;

interface Current {
  mem: AscMemory;
  ctx: HandlerContext;
}

const textDecoder = new TextDecoder("utf-8", { fatal: false });
const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = "";
  while (n > 0n) {
    out = BASE58[Number(n % 58n)]! + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = "1" + out;
  }
  return out;
}

function hostFunctions(cur: () => Current): Record<string, HostFn> {
  const m = () => cur().mem;
  const big = (p: number) => m().readBigInt(p);
  const outBig = (v: bigint) => m().writeBigInt(v);
  const decimal = (p: number) => readDecimal(m(), p);
  const outDecimal = (d: dec.Decimal) => writeDecimal(m(), d);
  return {
    abort(message, file, line, column) {
      const mem = m();
      const text = mem.readNullableString(message!) ?? "(no message)";
      const where = mem.readNullableString(file!);
      throw new HostAbort(where ? `${text} (${where}:${line}:${column})` : text);
    },

    // --- store -------------------------------------------------------------------------------------
    "store.get"(entity, id) {
      const data = cur().ctx.get(m().readString(entity!), m().readString(id!));
      return data ? writeEntity(m(), data) : 0;
    },
    "store.get_in_block"(entity, id) {
      const data = cur().ctx.getInBlock(m().readString(entity!), m().readString(id!));
      return data ? writeEntity(m(), data) : 0;
    },
    "store.loadRelated"(entity, id, field) {
      const mem = m();
      const rows = cur().ctx.loadRelated(mem.readString(entity!), mem.readString(id!), mem.readString(field!));
      return mem.writeArrayWords(
        rows.map((r) => writeEntity(mem, r)),
        "ArrayStoreValue",
      );
    },
    "store.set"(entity, id, data) {
      const mem = m();
      cur().ctx.set(mem.readString(entity!), mem.readString(id!), readEntity(mem, data!));
    },
    "store.remove"(entity, id) {
      cur().ctx.remove(m().readString(entity!), m().readString(id!));
    },

    // --- type conversion ---------------------------------------------------------------------------
    "typeConversion.bytesToString"(p) {
      // graph-node decodes lossily and drops NULs so fixed-size padded strings read cleanly.
      return m().writeString(textDecoder.decode(m().readBytes(p!)).replace(/\u0000/g, ""));
    },
    "typeConversion.bytesToHex"(p) {
      return m().writeString(bytesToHex(m().readBytes(p!)));
    },
    "typeConversion.bigIntToString"(p) {
      return m().writeString(big(p!).toString());
    },
    "typeConversion.bigIntToHex"(p) {
      const v = big(p!);
      return m().writeString(v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`);
    },
    "typeConversion.stringToH160"(p) {
      const s = m().readString(p!);
      const hex = s.startsWith("0x") ? s.slice(2) : s;
      if (hex.length !== 40) throw new HostAbort(`stringToH160: "${s}" is not a 20-byte hex address`);
      return m().writeBytes(hexToBytes(hex));
    },
    "typeConversion.bytesToBase58"(p) {
      return m().writeString(base58(m().readBytes(p!)));
    },

    // --- BigInt ------------------------------------------------------------------------------------
    "bigInt.plus": (a, b) => outBig(big(a!) + big(b!)),
    "bigInt.minus": (a, b) => outBig(big(a!) - big(b!)),
    "bigInt.times": (a, b) => outBig(big(a!) * big(b!)),
    "bigInt.dividedBy"(a, b) {
      const d = big(b!);
      if (d === 0n) throw new HostAbort("attempted to divide BigInt by zero");
      return outBig(big(a!) / d);
    },
    "bigInt.dividedByDecimal"(a, b) {
      return outDecimal(dec.div(dec.fromBigInt(big(a!)), decimal(b!)));
    },
    "bigInt.mod"(a, b) {
      const d = big(b!);
      if (d === 0n) throw new HostAbort("attempted to calculate the remainder of BigInt with a divisor of zero");
      return outBig(big(a!) % d);
    },
    "bigInt.pow": (a, e) => outBig(big(a!) ** BigInt(e! & 0xff)),
    "bigInt.fromString"(p) {
      const s = m().readString(p!);
      if (!/^[+-]?\d+$/.test(s.trim())) throw new HostAbort(`BigInt.fromString: "${s}" is not a decimal integer`);
      return outBig(BigInt(s.trim()));
    },
    "bigInt.bitOr": (a, b) => outBig(big(a!) | big(b!)),
    "bigInt.bitAnd": (a, b) => outBig(big(a!) & big(b!)),
    "bigInt.leftShift": (a, bits) => outBig(big(a!) << BigInt(bits! & 0xff)),
    "bigInt.rightShift": (a, bits) => outBig(big(a!) >> BigInt(bits! & 0xff)),

    // --- BigDecimal --------------------------------------------------------------------------------
    "bigDecimal.plus": (a, b) => outDecimal(dec.add(decimal(a!), decimal(b!))),
    "bigDecimal.minus": (a, b) => outDecimal(dec.sub(decimal(a!), decimal(b!))),
    "bigDecimal.times": (a, b) => outDecimal(dec.mul(decimal(a!), decimal(b!))),
    "bigDecimal.dividedBy"(a, b) {
      try {
        return outDecimal(dec.div(decimal(a!), decimal(b!)));
      } catch (error) {
        throw new HostAbort((error as Error).message);
      }
    },
    "bigDecimal.equals": (a, b) => (dec.compare(decimal(a!), decimal(b!)) === 0 ? 1 : 0),
    "bigDecimal.toString": (p) => m().writeString(dec.decimalToString(decimal(p!))),
    "bigDecimal.fromString"(p) {
      try {
        return outDecimal(dec.parseDecimal(m().readString(p!)));
      } catch (error) {
        throw new HostAbort(`BigDecimal.fromString: ${(error as Error).message}`);
      }
    },

    // --- crypto, log, data sources -----------------------------------------------------------------
    "crypto.keccak256"(p) {
      return m().writeBytes(hexToBytes(keccak256(m().readBytes(p!))));
    },
    "log.log"(level, message) {
      const text = m().readString(message!);
      const name = LOG_LEVELS[level!] ?? "info";
      // graph-node fails the subgraph on a critical log.
      if (name === "critical") throw new HostAbort(`Critical error logged in mapping: ${text}`);
      cur().ctx.log(name, text);
    },
    "dataSource.address"() {
      return m().writeBytes(hexToBytes(cur().ctx.dataSourceAddress));
    },
    "dataSource.network"() {
      return m().writeString(cur().ctx.network);
    },
    "dataSource.context"() {
      return writeEntity(m(), cur().ctx.dataSourceContext ?? new Map());
    },
    "dataSource.create"(name, params) {
      const mem = m();
      const list = mem.readArrayWords(params!).map((p) => mem.readString(p));
      cur().ctx.createDataSource(mem.readString(name!), list, null);
    },
    "dataSource.createWithContext"(name, params, context) {
      const mem = m();
      const list = mem.readArrayWords(params!).map((p) => mem.readString(p));
      cur().ctx.createDataSource(mem.readString(name!), list, readEntity(mem, context!));
    },
    "ens.nameByHash"() {
      // graph-node answers null unless an ENS rainbow table is loaded; none is here.
      return 0;
    },
  };
}

/** Keys of `hostFunctions`, for reports and for tests that check nothing is silently stubbed. */
export const IMPLEMENTED_HOST_FUNCTIONS = Object.keys(hostFunctions(() => ({}) as Current));

function normalizeImportName(module: string, name: string): string {
  // `env.abort` keeps its module; graph-ts namespaces arrive as e.g. module "index", name "store.get".
  return module === "env" && name === "abort" ? "abort" : name;
}

/** A compiled mapping: one wasm module, instantiated per handler call. */
export class MappingModule {
  private readonly current: { value: Current | null } = { value: null };
  private readonly imports: WebAssembly.Imports;

  constructor(
    readonly module: WebAssembly.Module,
    readonly label: string,
  ) {
    const fns = hostFunctions(() => {
      if (!this.current.value) throw new Error("host function called outside a handler");
      return this.current.value;
    });
    for (const [name, fn] of Object.entries(fns)) {
      fns[name] = (...args: number[]) => {
        this.current.value?.mem.sync();
        return fn(...args);
      };
    }
    const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    const missing: string[] = [];
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.kind !== "function") continue;
      const fn = fns[normalizeImportName(imp.module, imp.name)];
      if (!fn) {
        missing.push(`${imp.module}.${imp.name}`);
        continue;
      }
      (imports[imp.module] ??= {})[imp.name] = fn as WebAssembly.ImportValue;
    }
    if (missing.length > 0) {
      throw new Error(
        `mapping ${label} imports host functions the local runner does not implement: ${missing.join(", ")}. ` +
          "Implement them in subgraph/runner/src/host.ts or avoid them in the mapping.",
      );
    }
    this.imports = imports;
  }

  static fromBytes(bytes: Uint8Array, label: string): MappingModule {
    return new MappingModule(new WebAssembly.Module(bytes), label);
  }

  handlers(): string[] {
    return WebAssembly.Module.exports(this.module)
      .filter((e) => e.kind === "function" && !e.name.startsWith("_") && !["id_of_type", "allocate"].includes(e.name))
      .map((e) => e.name);
  }

  private instance: { exports: AscExports & Record<string, unknown>; mem: AscMemory } | null = null;

  /**
   * graph-node instantiates per trigger; V8 needs ~1 ms for that, which alone would cap indexing below
   * 1,000 events/s. So an instance is reused until its memory passes `recycleBytes` (the stub runtime
   * never frees) or a handler fails. The one visible difference: mapping-level mutable globals persist
   * between handlers. `freshInstances: true` restores graph-node's exact behaviour.
   */
  freshInstances = false;
  /**
   * Every new instance brings a new wasm memory, and V8 counts the discarded ones as external memory until a full
   * GC frees them: at 32 MB per instance, catch-up at 10,000 vaults ran a mark-compact of the whole entity state
   * every two seconds. At 128 MB there are a quarter as many, for at most 128 MB resident per busy mapping.
   */
  recycleBytes = 128 * 1024 * 1024;

  private acquire(): { exports: AscExports & Record<string, unknown>; mem: AscMemory } {
    const live = this.instance;
    if (live && !this.freshInstances && live.exports.memory.buffer.byteLength < this.recycleBytes) return live;
    const instance = new WebAssembly.Instance(this.module, this.imports);
    const exports = instance.exports as unknown as AscExports & Record<string, unknown>;
    const mem = new AscMemory(exports);
    this.instance = { exports, mem };
    // Compiled with --explicitStart: top-level statements (graph-ts's eager __alloc) run in _start.
    this.current.value = { mem, ctx: null as unknown as HandlerContext };
    try {
      (exports._start as (() => void) | undefined)?.();
    } finally {
      this.current.value = null;
    }
    return this.instance;
  }

  /** Run `handler`; `buildArg` allocates its argument (e.g. an ethereum.Event) in the instance's memory. */
  call(handler: string, ctx: HandlerContext, buildArg: (mem: AscMemory) => number): void {
    const { exports, mem } = this.acquire();
    const fn = exports[handler];
    if (typeof fn !== "function") {
      throw new MappingError(`mapping ${this.label} exports no handler named ${handler}; check subgraph.yaml`, handler);
    }
    this.current.value = { mem, ctx };
    try {
      mem.sync();
      const arg = buildArg(mem);
      (fn as (arg: number) => void)(arg);
    } catch (error) {
      // A trap can leave the instance's memory half-written: never reuse it.
      this.instance = null;
      if (error instanceof HostAbort) throw new MappingError(error.message, handler);
      if (error instanceof MappingError) throw error;
      if (error instanceof WebAssembly.RuntimeError) throw new MappingError(`wasm trap: ${error.message}`, handler);
      // Errors thrown by the context (store validation) are the mapping's fault too.
      throw new MappingError((error as Error).message, handler);
    } finally {
      this.current.value = null;
    }
  }
}

export { readValue };
