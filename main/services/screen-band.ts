// The safety band of a verified screen, kept with the model in its stored
// metrics as `metrics.screen` ({ band, rule, minRecall, threshold, recall,
// validation: { samples, insecure } }). `gridrewire train` writes it when it
// saves a model; a model saved before that gets it computed once from its
// dataset's validation split (the same predictions the threshold was chosen
// on) and stored, so later screens read it back.

import { SurrogateSamples } from '../core/learn/grid-data';
import { bandRecall, chooseBand, SCREEN_RECALL } from '../core/learn/screen';
import { evaluateSurrogate } from '../core/learn/surrogate';
import type { JsonObject, Store } from '../store';
import { DatasetError } from './dataset';
import type { LoadedSurrogate } from './predict';
import { PredictError } from './predict';
import { streamDataset } from './training-data';

/** How the band was chosen (core/learn/screen.ts recallEdge); a band stored under another rule is chosen again. */
export const BAND_RULE = 'recall 0.999 on validation: the lower of the empirical edge and the logit-normal tail';

export interface ScreenBand {
  band: number;
  rule: string;
  minRecall: number;
  /** The decision threshold the band lies below. */
  threshold: number;
  /** Insecure recall at threshold - band on the validation samples. */
  recall: number;
  validation: { samples: number; insecure: number };
}

/** Bytes of labels held at once while evaluating validation scenarios. */
const BAND_CACHE_BYTES = 128 * 2 ** 20;

/** The band block stored with a model, from its validation predictions. */
export function screenBandOf(prob: ArrayLike<number>, label: ArrayLike<number>, threshold: number): ScreenBand {
  const band = chooseBand(prob, label, threshold, SCREEN_RECALL);
  let insecure = 0;
  for (let i = 0; i < label.length; i++) insecure += label[i] === 1 ? 1 : 0;
  return { band, rule: BAND_RULE, minRecall: SCREEN_RECALL, threshold, recall: bandRecall(prob, label, threshold, band), validation: { samples: prob.length, insecure } };
}

/** The band stored with the model, if it holds one for the model's current threshold. */
export function storedBand(metrics: JsonObject | null, threshold: number): ScreenBand | null {
  const s = (metrics?.screen ?? null) as Partial<ScreenBand> | null;
  if (!s || typeof s.band !== 'number' || !(s.band >= 0 && s.band <= 1) || s.threshold !== threshold || s.rule !== BAND_RULE) return null;
  return s as ScreenBand;
}

/** The model's band: stored, or computed now from its dataset's validation split and stored. */
export function modelBand(store: Store, s: LoadedSurrogate): ScreenBand {
  const m = store.models.get(s.id);
  const have = storedBand(m?.metrics ?? null, s.config.threshold);
  if (have) return have;
  let ds;
  try {
    ds = streamDataset(store, s.config.datasetId, BAND_CACHE_BYTES);
  } catch (e) {
    if (e instanceof DatasetError) throw new PredictError(`model ${s.id} has no stored screening band and its dataset ${s.config.datasetId} cannot give one (${e.message}); give --band`);
    throw e;
  }
  const data = new SurrogateSamples(ds.packed, s.config.normaliser, (i) => ds.labels.read(i));
  const val = data.indices('val');
  if (val.length === 0) throw new PredictError(`model ${s.id} has no stored screening band and its dataset ${s.config.datasetId} has no validation outage to choose one on; give --band`);
  const ev = evaluateSurrogate(s.model, data, val);
  const band = screenBandOf(ev.prob, ev.label, s.config.threshold);
  if (m && !store.readonly) store.models.setMetrics(s.id, { ...(m.metrics ?? {}), screen: band as unknown as JsonObject });
  return band;
}
