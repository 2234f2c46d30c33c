// The parameter tables of the model files, looked up by a scenario's model id. The page reads the
// same files the core loads (models/*.json), so a control's name, unit, range and meaning are
// exactly what the model file says.
const files = import.meta.glob<{ default: unknown }>('../../models/*.json', { eager: true });

export interface ParameterRow {
  name: string;
  value: number;
  unit: string;
  min: number;
  max: number;
  meaning: string;
  /** True when the parameter only sets an initial state, so a change shows after a reset. */
  initialOnly: boolean;
}

export interface ModelTable {
  id: string;
  name: string;
  input: { symbol: string; unit: string; meaning: string };
  parameters: ParameterRow[];
}

interface RawModel {
  id: string;
  name?: string;
  input?: { symbol?: string; unit?: string; meaning?: string };
  parameters?: Record<string, { value: number; unit?: string; min: number; max: number; meaning?: string }>;
  state?: Record<string, { initial?: string }>;
  expressions?: string[];
  equations?: string[];
  threshold?: { level?: string };
  reset?: Record<string, string>;
  refractory?: { period?: string };
}

const byId = new Map<string, ModelTable>();
for (const file of Object.values(files)) {
  const raw = file.default as RawModel;
  if (!raw || typeof raw.id !== 'string' || !raw.parameters) continue;
  const dynamics = [
    ...(raw.expressions ?? []),
    ...(raw.equations ?? []),
    raw.threshold?.level ?? '',
    ...Object.values(raw.reset ?? {}),
    raw.refractory?.period ?? '',
  ].join('\n');
  const initials = Object.values(raw.state ?? {}).map((s) => s.initial ?? '').join('\n');
  const mentions = (text: string, name: string) => new RegExp(`(^|[^A-Za-z0-9_])${name}($|[^A-Za-z0-9_])`).test(text);
  byId.set(raw.id, {
    id: raw.id,
    name: raw.name ?? raw.id,
    input: { symbol: raw.input?.symbol ?? 'I', unit: raw.input?.unit ?? '', meaning: raw.input?.meaning ?? 'input current' },
    parameters: Object.entries(raw.parameters).map(([name, p]) => ({
      name,
      value: p.value,
      unit: p.unit ?? '',
      min: p.min,
      max: p.max,
      meaning: p.meaning ?? '',
      initialOnly: mentions(initials, name) && !mentions(dynamics, name),
    })),
  });
}

export function modelTable(id: string): ModelTable | undefined {
  return byId.get(id);
}
