// The validation quantities a training run may select its best epoch and
// stop early on; one list for the trainer's check and the checkpoint schema.

/** 'cappedLoss': the validation loss with each verdict term capped (loss.ts SELECTION_VERDICT_CAP). */
export const MONITORS = ['loss', 'cappedLoss', 'balancedAccuracy', 'edgeMae'] as const;
export type Monitor = (typeof MONITORS)[number];
