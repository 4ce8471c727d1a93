/** Several top-level fields of a zustand store in one subscription. */
import type { StoreApi, UseBoundStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';

/**
 * `const { phase, error } = useFields(useStore, 'phase', 'error')`: the same values and re-renders
 * as one `useStore((s) => s.<key>)` per key (each field compared with Object.is).
 */
export function useFields<S extends object, K extends keyof S>(useBoundStore: UseBoundStore<StoreApi<S>>, ...keys: K[]): Pick<S, K> {
  return useBoundStore(
    useShallow((state: S) => {
      const picked = {} as Pick<S, K>;
      for (const key of keys) picked[key] = state[key];
      return picked;
    }),
  );
}
