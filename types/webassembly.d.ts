// The part of WebAssembly's JavaScript API that main/core uses. TypeScript
// declares WebAssembly only in its DOM and WebWorker libs, and @types/node 20
// does not; main, preload and the tests compile without DOM (they run in Node,
// which has WebAssembly), so tsconfig.json includes this subset instead.
// Shapes as in TypeScript's lib.dom.d.ts.

declare namespace WebAssembly {
  interface Module {}
  var Module: {
    prototype: Module;
    new (bytes: ArrayBufferView | ArrayBuffer): Module;
  };

  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  var Memory: {
    prototype: Memory;
    new (descriptor: MemoryDescriptor): Memory;
  };

  type ExportValue = Function | Memory;
  type Exports = Record<string, ExportValue>;
  type ImportValue = ExportValue | number;
  type ModuleImports = Record<string, ImportValue>;
  type Imports = Record<string, ModuleImports>;
  interface Instance {
    readonly exports: Exports;
  }
  var Instance: {
    prototype: Instance;
    new (module: Module, importObject?: Imports): Instance;
  };

  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
}
