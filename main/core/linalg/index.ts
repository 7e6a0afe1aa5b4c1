// Sparse linear algebra for the power-flow Jacobian: CSC storage and assembly,
// AMD ordering, and a KLU-style sparse LU with numeric refactorization.

export type { CSC, AssemblyPattern } from './csc';
export {
  CscFormatError,
  cscValidate,
  buildPattern,
  assembleInto,
  PatternBuilder,
  cscFromTriplets,
  cscMatVec,
  cscMatVecTranspose,
  cscTranspose,
  cscToDense,
} from './csc';
export type { AmdOptions } from './ordering';
export {
  amdOrder,
  amdOnGraph,
  postorderElimination,
  eliminationTree,
  symbolicCholesky,
  symmetricAdjacency,
  invertPermutation,
  isPermutation,
} from './ordering';
export type { SparseLUOptions } from './lu';
export { SparseLU, SingularMatrixError, NonFiniteValueError } from './lu';
