// One labelled number control: a slider and a text field kept in step, the unit and allowed range
// beside them, the one-line meaning as a tooltip, and a message next to the field when the value
// typed cannot be used. Only a valid number ever reaches `onChange`; the caller may still report a
// refusal (e.g. a constraint between parameters) with `showProblem`.

export interface NumberFieldSpec {
  /** Used for element ids: `param-<key>`, `param-<key>-slider`, `param-<key>-message`. */
  key: string;
  label: string;
  unit: string;
  min: number;
  max: number;
  value: number;
  meaning: string;
  /** Extra words after the range, e.g. "applies on reset". */
  note?: string;
  /**
   * Apply a valid value; resolve to a message if it was refused elsewhere (nothing changed then),
   * or to { note } when it was accepted but needs something more (e.g. a reset) to show.
   */
  onChange: (value: number) => Promise<string | { note: string } | null> | void;
}

export function formatValue(x: number): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e5 || abs < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

export class NumberField {
  readonly row: HTMLElement;
  readonly input: HTMLInputElement;
  readonly slider: HTMLInputElement;
  private readonly message: HTMLElement;
  private lastGood: number;

  constructor(private readonly spec: NumberFieldSpec) {
    const id = `param-${spec.key}`;
    this.lastGood = spec.value;
    this.row = document.createElement('div');
    this.row.className = 'field';
    this.row.title = spec.meaning;

    const label = document.createElement('label');
    label.htmlFor = id;
    label.className = 'field-name';
    label.textContent = spec.label;
    label.title = spec.meaning;

    this.slider = document.createElement('input');
    this.slider.type = 'range';
    this.slider.id = `${id}-slider`;
    this.slider.min = String(spec.min);
    this.slider.max = String(spec.max);
    this.slider.step = 'any';
    this.slider.value = String(spec.value);
    this.slider.setAttribute('aria-label', `${spec.label} (${spec.unit})`);
    this.slider.tabIndex = -1; // the text field is the keyboard stop; the slider is for the pointer

    this.input = document.createElement('input');
    this.input.type = 'text';
    this.input.inputMode = 'decimal';
    this.input.id = id;
    this.input.className = 'field-value';
    this.input.value = formatValue(spec.value);
    this.input.setAttribute('aria-describedby', `${id}-message`);
    this.input.autocomplete = 'off';

    const unit = document.createElement('span');
    unit.className = 'field-unit';
    unit.textContent = `${spec.unit} [${formatValue(spec.min)}, ${formatValue(spec.max)}]${spec.note ? ` · ${spec.note}` : ''}`;

    this.message = document.createElement('span');
    this.message.id = `${id}-message`;
    this.message.className = 'field-message';
    this.message.setAttribute('role', 'alert');

    this.row.append(label, this.slider, this.input, unit, this.message);

    this.slider.addEventListener('input', () => {
      const value = Number(this.slider.value);
      this.input.value = formatValue(value);
      this.accept(value);
    });
    this.input.addEventListener('input', () => this.fromText());
    this.input.addEventListener('change', () => this.fromText());
  }

  /** The last value that passed the checks on this page. */
  get value(): number {
    return this.lastGood;
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
      this.showProblem(`${label}: ${formatValue(value)} is outside the allowed range ${formatValue(min)} to ${formatValue(max)} ${unit}; nothing was changed`);
      return;
    }
    this.slider.value = String(value);
    this.accept(value);
  }

  private accept(value: number): void {
    this.clearProblem();
    const prior = this.lastGood;
    this.lastGood = value;
    void Promise.resolve(this.spec.onChange(value)).then((problem) => {
      if (!problem) return;
      if (typeof problem === 'object') {
        this.message.textContent = problem.note;
        return;
      }
      if (this.lastGood === value) this.lastGood = prior;
      this.showProblem(problem);
    });
  }

  showProblem(text: string): void {
    this.row.classList.add('invalid');
    this.input.setAttribute('aria-invalid', 'true');
    this.message.textContent = text;
  }

  clearProblem(): void {
    this.row.classList.remove('invalid');
    this.input.removeAttribute('aria-invalid');
    this.message.textContent = '';
  }
}
