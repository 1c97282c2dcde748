// The project's lib is ES2023 without DOM, which leaves Node's WebAssembly global untyped; these are the parts the host uses.
declare namespace WebAssembly {
  type ImportValue = Function | Global | Memory | Table | number;
  type Imports = Record<string, Record<string, ImportValue>>;
  interface ModuleDescriptor {
    kind: "function" | "table" | "memory" | "global";
    module: string;
    name: string;
  }
  interface ExportDescriptor {
    kind: "function" | "table" | "memory" | "global";
    name: string;
  }
  class Module {
    constructor(bytes: Uint8Array);
    static imports(module: Module): ModuleDescriptor[];
    static exports(module: Module): ExportDescriptor[];
  }
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
  }
  class Global {
    value: unknown;
  }
  class Table {}
  class RuntimeError extends Error {}
}
