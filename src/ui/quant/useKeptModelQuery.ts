/** Asks the worker about the kept model; only the answer to the latest question is kept. */
import { useEffect, useState } from 'react';

export function useKeptModelQuery<T>(query: () => Promise<T | null>, deps: readonly unknown[]): { value: T | null; error: string | null } {
  const [state, setState] = useState<{ value: T | null; error: string | null }>({ value: null, error: null });
  useEffect(() => {
    let latest = true;
    query().then(
      (value) => latest && setState({ value, error: null }),
      (error: unknown) => latest && setState({ value: null, error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      latest = false;
    };
    // The caller names what the answer depends on; `query` is a fresh closure every render.
  }, deps);
  return state;
}
