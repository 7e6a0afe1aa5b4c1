// What a study runs with, chosen before it starts: the robustness study's
// perturbations, draws and test outages; the compression table's prunings
// (scope x fraction), quantizations and fine-tune epochs; the graphon's
// blocks. The defaults are the CLI's. A choice that cannot run (no
// perturbation) disables Run with the reason beside it.

import type { Perturbation, PruneSpec, Quantization } from '../../main/api';

export const PERTURBATION_NAMES: Perturbation[] = ['random', 'weight', 'reverse', 'shuffle', 'noise'];
export const QUANTIZATION_NAMES: Quantization[] = ['int8', 'int8-affine', 'fp16'];
export const PRUNE_FRACTIONS = [0.25, 0.5, 0.75, 0.9];
const SCOPES = ['layer', 'global'] as const;

export interface StudyChoices {
  perturbations: Perturbation[];
  draws: number;
  outages: number;
  prune: PruneSpec[];
  quantize: Quantization[];
  finetune: number;
  blocks: number;
}

export const DEFAULT_CHOICES: StudyChoices = {
  perturbations: [...PERTURBATION_NAMES], draws: 5, outages: 500,
  prune: [0.25, 0.5, 0.75].flatMap((fraction) => SCOPES.map((scope) => ({ scope, fraction }))), quantize: [...QUANTIZATION_NAMES], finetune: 0,
  blocks: 32,
};

/** Why these choices cannot run, or null. */
export function choicesProblem(study: 'robustness' | 'compression' | 'graphon', c: StudyChoices): string | null {
  const whole = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;
  if (study === 'robustness') {
    if (c.perturbations.length === 0) return 'choose at least one perturbation';
    if (!whole(c.draws, 1, 50)) return 'draws: a whole number from 1 to 50';
    if (!whole(c.outages, 0, 1e9)) return 'outages: a whole number, 0 for all';
  }
  if (study === 'compression' && !whole(c.finetune, 0, 50)) return 'fine-tune: a whole number of epochs from 0 to 50';
  if (study === 'graphon' && !whole(c.blocks, 1, 256)) return 'blocks: a whole number from 1 to 256';
  return null;
}

const toggle = <T,>(list: T[], v: T, same: (a: T, b: T) => boolean = (a, b) => a === b): T[] => (list.some((x) => same(x, v)) ? list.filter((x) => !same(x, v)) : [...list, v]);
const samePrune = (a: PruneSpec, b: PruneSpec) => a.scope === b.scope && a.fraction === b.fraction;

function NumberField({ label, value, onChange, testId, title }: { label: string; value: number; onChange: (v: number) => void; testId: string; title: string }) {
  return (
    <label title={title}>{label}
      <input type="number" value={Number.isFinite(value) ? value : ''} onChange={(e) => onChange(e.target.value === '' ? NaN : Number(e.target.value))} data-testid={testId} style={{ width: 70 }} />
    </label>
  );
}

export function StudyOptions({ study, choices, onChange, disabled }: { study: 'robustness' | 'compression' | 'graphon'; choices: StudyChoices; onChange: (c: StudyChoices) => void; disabled: boolean }) {
  const set = (patch: Partial<StudyChoices>) => onChange({ ...choices, ...patch });
  return (
    <fieldset className="study-options" disabled={disabled} data-testid="study-options">
      {study === 'robustness' && (
        <>
          <span className="opt-group" data-testid="opt-perturbations">perturbations
            {PERTURBATION_NAMES.map((p) => (
              <label key={p} className="check"><input type="checkbox" checked={choices.perturbations.includes(p)} onChange={() => set({ perturbations: PERTURBATION_NAMES.filter((x) => (x === p ? !choices.perturbations.includes(p) : choices.perturbations.includes(x))) })} data-testid={`opt-perturbation-${p}`} />{p}</label>
            ))}
          </span>
          <NumberField label="draws" value={choices.draws} onChange={(draws) => set({ draws })} testId="opt-draws" title="random draws averaged per point of a random perturbation" />
          <NumberField label="outages" value={choices.outages} onChange={(outages) => set({ outages })} testId="opt-outages" title="test outages evaluated: every insecure one and secure ones drawn up to this many (0: all)" />
        </>
      )}
      {study === 'compression' && (
        <>
          <span className="opt-group" data-testid="opt-prune">prune
            {SCOPES.map((scope) => (
              <span key={scope} className="opt-sub">{scope}
                {PRUNE_FRACTIONS.map((fraction) => (
                  <label key={fraction} className="check"><input type="checkbox" checked={choices.prune.some((p) => samePrune(p, { scope, fraction }))} onChange={() => set({ prune: toggle(choices.prune, { scope, fraction }, samePrune) })} data-testid={`opt-prune-${scope}-${fraction * 100}`} />{fraction * 100}%</label>
                ))}
              </span>
            ))}
          </span>
          <span className="opt-group" data-testid="opt-quantize">quantize
            {QUANTIZATION_NAMES.map((q) => (
              <label key={q} className="check"><input type="checkbox" checked={choices.quantize.includes(q)} onChange={() => set({ quantize: QUANTIZATION_NAMES.filter((x) => (x === q ? !choices.quantize.includes(q) : choices.quantize.includes(x))) })} data-testid={`opt-quantize-${q}`} />{q}</label>
            ))}
          </span>
          <NumberField label="fine-tune epochs" value={choices.finetune} onChange={(finetune) => set({ finetune })} testId="opt-finetune" title="each pruning is also tried fine-tuned this many epochs with its mask fixed (0: none)" />
        </>
      )}
      {study === 'graphon' && <NumberField label="blocks" value={choices.blocks} onChange={(blocks) => set({ blocks })} testId="opt-blocks" title="blocks per axis of the degree-sorted estimate (K)" />}
    </fieldset>
  );
}
