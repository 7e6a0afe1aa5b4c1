// What every linear layer (dense or sparse) offers the graph network, the
// optimiser and the rewiring: a forward/backward pair over row-major batches
// and its trainable parameters. A Param carries its optimiser moments so
// that whoever reorders the values (rewiring) reorders the moments with them.

export interface Param {
  readonly name: string;
  data: Float32Array;
  grad: Float32Array;
  /** First moment (Adam) or velocity (SGD momentum). */
  m: Float32Array;
  /** Second moment (Adam). */
  v: Float32Array;
  /** Whether weight decay applies (weights yes, biases no). */
  readonly decay: boolean;
}

export function makeParam(name: string, data: Float32Array, decay: boolean): Param {
  const n = data.length;
  return { name, data, grad: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n), decay };
}

/**
 * Init gain: 'relu' (He/Kaiming, for layers followed by ReLU), 'linear'
 * (readouts) or 'residual' (last layer of a residual branch: starts small so
 * that stacking message-passing layers does not blow up the activations).
 */
export type InitGain = 'relu' | 'linear' | 'residual';
export const gainValue = (g: InitGain) => (g === 'relu' ? Math.SQRT2 : g === 'linear' ? 1 : 0.1 * Math.SQRT2);

export interface Layer {
  readonly kind: 'dense' | 'sparse';
  readonly name: string;
  readonly nIn: number;
  readonly nOut: number;
  readonly weight: Param;
  readonly bias: Param;
  /**
   * Y = X W^T + b; X is [rows x nIn] row-major, Y is [rows x nOut], written
   * to `out` when given; ReLU(Y) when `relu`. A row's result does not depend
   * on the other rows (incremental inference relies on it).
   */
  forward(x: Float32Array, rows: number, relu?: boolean, out?: Float32Array): Float32Array;
  /** The weights reading inputs [c0, c1) as a layer of their own (copies; bias only when `bias`). */
  columnBlock(c0: number, c1: number, bias: boolean): Layer;
  /**
   * Accumulates dL/dW (existing connections only) and dL/db into the params'
   * grad arrays (unless paramGrad is false: only dL/dX wanted); returns
   * dL/dX [rows x nIn] when wantDx, else null.
   */
  backward(x: Float32Array, dy: Float32Array, rows: number, wantDx: boolean, paramGrad?: boolean): Float32Array | null;
  /** Number of weights that exist (in x out for a dense layer). */
  nnz(): number;
  params(): Param[];
  zeroGrad(): void;
}
