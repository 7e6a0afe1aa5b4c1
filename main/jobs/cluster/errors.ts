// Errors of the cluster path, each with a code the CLI maps to its exit status.

export type ClusterErrorCode = 'bad-url' | 'unreachable' | 'lost' | 'bad-job' | 'failed';

export class ClusterError extends Error {
  constructor(readonly code: ClusterErrorCode, message: string) {
    super(message);
    this.name = 'ClusterError';
  }
}
