// One labelled number control: a slider and a text field kept in step, the unit beside the value,
// the allowed range and the one-line meaning as a tooltip, a button that restores the value the
// scenario opened with, and a message next to the field when the value typed cannot be used. Only
// a valid number ever reaches `onChange`; the caller may still report a refusal (e.g. a constraint
// between parameters) with `showProblem`.
//
// A slider over more than a decade of positive values is logarithmic (R from 0.1 to 5000 MOhm puts
// 10 in the middle, not at the left end); a range from 0 keeps 0 at its left end and is
// logarithmic above it. Ranges that cross zero stay linear.

export interface NumberFieldSpec {
  /** Used for element ids: `param-<key>`, `param-<key>-slider`, `param-<key>-message`, `param-<key>-restore`. */
  key: string;
  label: string;
  unit: string;
  min: number;
  max: number;
  value: number;
  /** The value "restore" brings back (the one the scenario opened with); none: no restore button. */
  defaultValue?: number;
  meaning: string;
  /** Extra words under the field, e.g. "applies on reset". */
  note?: string;
  /**
   * Apply a valid value; resolve to a message if it was refused elsewhere (nothing changed then),
   * or to { note } when it was accepted but needs something more (e.g. a reset) to show.
   */
  onChange: (value: number) => Promise<string | { note: string } | null> | void;
  /** A value was accepted by the student's hand (not by set()): from `before` to `after`, for undo. */
  onEdit?: (before: number, after: number) => void;
}

/**
 * A refusal from the run (the worker checks a change as a load is checked) said under the field:
 * its own name instead of the scenario's path to it ("populations[0].parameters: V_reset must be
 * below V_th" from V_th's box reads "V_th: V_reset must be below V_th"), and that nothing changed.
 */
export function refusal(label: string, message: string): string {
  const path = /^(?:(?:populations|projections|stimuli)\[\d+\][\w.[\]]*: )+/;
  // Only a path into the scenario is replaced: a message that names its own field ("projections:
  // the network would need 1.2 GB") keeps it.
  const said = path.test(message) ? `${label}: ${message.replace(path, '')}` : message;
  return /nothing was changed/.test(said) ? said : `${said}; nothing was changed`;
}

export function formatValue(x: number): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e5 || abs < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

/** A unit to write after a number: none for a dimensionless "1". */
export function unitText(unit: string): string {
  return unit === '1' ? '' : unit;
}

/** Slider positions: whole steps, so arrow keys and drags land on round positions. */
const POSITIONS = 1000;

/** How a slider position maps to a value: linear, or logarithmic (with 0 at the left end if the range starts there). */
export interface SliderScale {
  kind: 'linear' | 'log';
  toValue(position: number): number;
  toPosition(value: number): number;
}

export function sliderScale(min: number, max: number): SliderScale {
  const linear: SliderScale = {
    kind: 'linear',
    toValue: (p) => min + (p / POSITIONS) * (max - min),
    toPosition: (v) => Math.round(((v - min) / (max - min || 1)) * POSITIONS),
  };
  if (!(max > 0) || min < 0) return linear;
  const fromZero = min === 0;
  // From 0: the logarithmic part covers four decades below the top.
  const lo = fromZero ? max * 1e-4 : min;
  if (max / lo <= 10) return linear;
  const span = Math.log(max / lo);
  const first = fromZero ? 1 : 0; // position 0 is 0 itself
  const steps = POSITIONS - first;
  const round3 = (x: number) => Number(x.toPrecision(3));
  return {
    kind: 'log',
    toValue: (p) => {
      if (fromZero && p <= 0) return 0;
      return Math.min(max, Math.max(min, round3(lo * Math.exp(((p - first) / steps) * span))));
    },
    toPosition: (v) => {
      if (fromZero && v <= 0) return 0;
      if (v <= lo) return first;
      return Math.min(POSITIONS, Math.round(first + (Math.log(v / lo) / span) * steps));
    },
  };
}

export class NumberField {
  readonly row: HTMLElement;
  readonly input: HTMLInputElement;
  readonly slider: HTMLInputElement;
  readonly restore: HTMLButtonElement | null;
  private readonly message: HTMLElement;
  private readonly scale: SliderScale;
  private lastGood: number;
  /** The value before the current edit began (a slider drag or a run of typing), for undo. */
  private editFrom: number | null = null;

  constructor(private readonly spec: NumberFieldSpec) {
    const id = `param-${spec.key}`;
    const unit = unitText(spec.unit);
    this.lastGood = spec.value;
    this.scale = sliderScale(spec.min, spec.max);
    const range = `${formatValue(spec.min)} to ${formatValue(spec.max)}${unit ? ` ${unit}` : ''}`;
    this.row = document.createElement('div');
    this.row.className = 'field';
    this.row.title = `${spec.meaning} Allowed: ${range}${this.scale.kind === 'log' ? ' (the slider is logarithmic)' : ''}.`;

    const label = document.createElement('label');
    label.htmlFor = id;
    label.className = 'field-name';
    label.textContent = spec.label;

    this.slider = document.createElement('input');
    this.slider.type = 'range';
    this.slider.id = `${id}-slider`;
    this.slider.min = '0';
    this.slider.max = String(POSITIONS);
    this.slider.step = '1';
    this.slider.value = String(this.scale.toPosition(spec.value));
    this.slider.setAttribute('aria-label', `${spec.label}${unit ? ` (${unit})` : ''}`);
    this.slider.tabIndex = -1; // the text field is the keyboard stop; the slider is for the pointer
    this.showSliderValue(spec.value);

    this.input = document.createElement('input');
    this.input.type = 'text';
    this.input.inputMode = 'decimal';
    this.input.id = id;
    this.input.className = 'field-value';
    this.input.value = formatValue(spec.value);
    this.input.setAttribute('aria-describedby', `${id}-unit ${id}-message`);
    this.input.autocomplete = 'off';

    const unitSpan = document.createElement('span');
    unitSpan.id = `${id}-unit`;
    unitSpan.className = 'field-unit';
    unitSpan.textContent = unit;

    this.message = document.createElement('span');
    this.message.id = `${id}-message`;
    this.message.className = 'field-message';
    this.message.setAttribute('role', 'alert');

    const note = document.createElement('span');
    note.className = 'field-note';
    note.textContent = spec.note ?? '';

    this.row.append(label, this.slider, this.input, unitSpan);
    this.restore = null;
    if (spec.defaultValue !== undefined) {
      const fallback = spec.defaultValue;
      const restore = document.createElement('button');
      restore.type = 'button';
      restore.className = 'field-restore';
      restore.id = `${id}-restore`;
      restore.textContent = '↺';
      const words = `Restore ${spec.label} to ${formatValue(fallback)}${unit ? ` ${unit}` : ''}`;
      restore.title = words;
      restore.setAttribute('aria-label', words);
      restore.addEventListener('click', () => {
        const before = this.lastGood;
        if (before === fallback) {
          // What runs is the value it opened with already: only the refused entry goes.
          this.edits++;
          this.input.value = formatValue(fallback);
          this.clearProblem();
          return;
        }
        this.set(fallback);
        this.spec.onEdit?.(before, fallback);
      });
      this.restore = restore;
      this.row.append(restore);
    }
    this.row.append(note, this.message);
    this.showRestore();

    this.slider.addEventListener('input', () => {
      const value = this.scale.toValue(Number(this.slider.value));
      this.beginEdit();
      this.input.value = formatValue(value);
      this.accept(value);
    });
    this.slider.addEventListener('change', () => this.endEdit());
    this.input.addEventListener('input', () => {
      this.beginEdit();
      this.fromText();
    });
    this.input.addEventListener('change', () => {
      this.fromText();
      this.endEdit();
    });
    this.input.addEventListener('blur', () => this.endEdit());
  }

  /** The last value that passed the checks on this page. */
  get value(): number {
    return this.lastGood;
  }

  /** Show and send a value as if chosen here (undo, redo, restore); not an edit of its own. */
  set(value: number): void {
    this.input.value = formatValue(value);
    this.slider.value = String(this.scale.toPosition(value));
    this.accept(value);
  }

  private beginEdit(): void {
    this.editFrom ??= this.lastGood;
  }

  private endEdit(): void {
    const from = this.editFrom;
    this.editFrom = null;
    if (from !== null && from !== this.lastGood) this.spec.onEdit?.(from, this.lastGood);
  }

  private showSliderValue(value: number): void {
    const unit = unitText(this.spec.unit);
    this.slider.setAttribute('aria-valuetext', `${formatValue(value)}${unit ? ` ${unit}` : ''}`);
  }

  private showRestore(): void {
    // Also where a refused value stands in the box: restoring is then the way back.
    if (this.restore) this.restore.disabled = this.lastGood === this.spec.defaultValue && !this.row.classList.contains('invalid');
  }

  private fromText(): void {
    const text = this.input.value.trim().replace('\u2212', '-');
    const value = text === '' ? NaN : Number(text);
    const { min, max, unit, label } = this.spec;
    if (!Number.isFinite(value)) {
      this.showProblem(`${label}: "${this.input.value}" is not a number; nothing was changed`);
      return;
    }
    if (value < min || value > max) {
      // The value as typed (99999, not its rounding 100000).
      this.showProblem(`${label}: ${text.slice(0, 40)} is outside the allowed range ${formatValue(min)} to ${formatValue(max)} ${unit}; nothing was changed`);
      return;
    }
    if (value === this.lastGood && !this.row.classList.contains('invalid')) return; // a blur after typing: nothing new
    this.slider.value = String(this.scale.toPosition(value));
    this.accept(value);
  }

  /** Edits so far: an answer from the run about an edit since replaced is dropped. */
  private edits = 0;

  private accept(value: number): void {
    this.clearProblem();
    const prior = this.lastGood;
    this.lastGood = value;
    this.showSliderValue(value);
    this.showRestore();
    const edit = ++this.edits;
    void Promise.resolve(this.spec.onChange(value)).then((problem) => {
      if (!problem || edit !== this.edits) return;
      if (typeof problem === 'object') {
        this.message.textContent = problem.note;
        return;
      }
      if (this.lastGood === value) {
        this.lastGood = prior;
        // The slider goes back to what runs (a refused drag left it at the refused value); the
        // box keeps what was typed, marked, so the student sees what was refused.
        this.slider.value = String(this.scale.toPosition(prior));
        this.showSliderValue(prior);
      }
      this.showProblem(refusal(this.spec.label, problem));
    });
  }

  showProblem(text: string): void {
    this.row.classList.add('invalid');
    this.input.setAttribute('aria-invalid', 'true');
    this.message.textContent = text;
    this.showRestore();
  }

  /** Take away a note once it no longer holds (e.g. the run that had ended goes on). */
  clearNote(note: string): void {
    if (this.message.textContent === note) this.message.textContent = '';
  }

  clearProblem(): void {
    this.row.classList.remove('invalid');
    this.input.removeAttribute('aria-invalid');
    this.message.textContent = '';
    this.showRestore();
  }
}
