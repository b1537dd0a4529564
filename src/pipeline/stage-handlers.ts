import type { PullHandler, StageHandler, StageHandlers } from './types.ts';

/** The handlers one pipeline uses. Providers can register separately; later registrations add to earlier ones. */
export type HandlerRegistry = {
  register(handlers: StageHandlers): void;
  pull(provider: string): PullHandler | undefined;
  score(): StageHandler | undefined;
  writeBack(provider: string): StageHandler | undefined;
  actions(): StageHandler | undefined;
  pullProviders(): string[];
  crmProviders(): string[];
};

export function createHandlerRegistry(initial?: StageHandlers): HandlerRegistry {
  const pull = new Map<string, PullHandler>();
  const writeBack = new Map<string, StageHandler>();
  let score: StageHandler | undefined;
  let actions: StageHandler | undefined;
  const registry: HandlerRegistry = {
    register(handlers) {
      for (const [provider, handler] of Object.entries(handlers.pull ?? {})) {
        if (handler.objects.length === 0) throw new Error(`pull handler for ${provider} lists no objects`);
        pull.set(provider, handler);
      }
      for (const [provider, handler] of Object.entries(handlers.writeBack ?? {})) writeBack.set(provider, handler);
      if (handlers.score) score = handlers.score;
      if (handlers.actions) actions = handlers.actions;
    },
    pull: (provider) => pull.get(provider),
    score: () => score,
    writeBack: (provider) => writeBack.get(provider),
    actions: () => actions,
    pullProviders: () => [...pull.keys()],
    crmProviders: () => [...writeBack.keys()],
  };
  if (initial) registry.register(initial);
  return registry;
}

/** The process-wide registry the lead plugs the real handlers into at start-up. */
export const defaultHandlerRegistry = createHandlerRegistry();

export function registerStageHandlers(handlers: StageHandlers): void {
  defaultHandlerRegistry.register(handlers);
}
