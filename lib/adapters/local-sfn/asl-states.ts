/** Just enough of an ASL definition to walk its states, without depending on who synthesized it. */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, object>;
}

type State = Record<string, unknown>;

/** Names of the states, nested Map and Parallel states included, that satisfy `test`. */
export function stateNamesWhere(definition: AslDefinition, test: (state: State) => boolean): string[] {
  const names: string[] = [];
  const visit = (def: AslDefinition): void => {
    for (const [name, raw] of Object.entries(def.States)) {
      const state = raw as State;
      if (test(state)) names.push(name);
      const processor = state['ItemProcessor'] ?? state['Iterator'];
      if (isDefinition(processor)) visit(processor);
      const branches = state['Branches'];
      if (Array.isArray(branches)) branches.filter(isDefinition).forEach(visit);
    }
  };
  visit(definition);
  return names;
}

/** Every Task state name: each needs a local handler, or the runtime would call real Lambda. */
export function taskStateNames(definition: AslDefinition): string[] {
  return stateNamesWhere(definition, (state) => state['Type'] === 'Task');
}

function isDefinition(value: unknown): value is AslDefinition {
  return typeof value === 'object' && value !== null && 'States' in value && 'StartAt' in value;
}

/** A copy of the definition with every Task state's TimeoutSeconds set to `seconds` (unchanged when undefined). */
export function withTaskTimeout(definition: AslDefinition, seconds: number | undefined): AslDefinition {
  const copy = structuredClone(definition);
  if (seconds === undefined) return copy;
  const visit = (def: AslDefinition): void => {
    for (const raw of Object.values(def.States)) {
      const state = raw as State;
      if (state['Type'] === 'Task') state['TimeoutSeconds'] = seconds;
      const processor = state['ItemProcessor'] ?? state['Iterator'];
      if (isDefinition(processor)) visit(processor);
      const branches = state['Branches'];
      if (Array.isArray(branches)) branches.filter(isDefinition).forEach(visit);
    }
  };
  visit(copy);
  return copy;
}
