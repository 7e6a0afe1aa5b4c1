// Which learning backend this process can use. tfjs-node(-gpu) are optional:
// their native library is downloaded at install time and is missing on many
// machines, so loading them may fail; then our own sparse CPU kernels run.

export interface LearningBackend {
  name: 'cpu' | 'tfjs-node-gpu' | 'tfjs-node';
  note: string;
}

let cached: LearningBackend | null = null;

export function detectBackend(prefer: 'auto' | 'cpu' = 'auto'): LearningBackend {
  if (prefer === 'cpu') return { name: 'cpu', note: 'sparse CPU kernels (chosen)' };
  if (cached) return cached;
  const tried: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(pkg);
      cached = { name: pkg === '@tensorflow/tfjs-node-gpu' ? 'tfjs-node-gpu' : 'tfjs-node', note: `${pkg} loaded` };
      return cached;
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      tried.push(`${pkg}: ${msg.length > 120 ? msg.slice(0, 117) + '...' : msg}`);
    }
  }
  cached = { name: 'cpu', note: `sparse CPU kernels; no TensorFlow native backend loaded (${tried.join('; ')})` };
  return cached;
}
