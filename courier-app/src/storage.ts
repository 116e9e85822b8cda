/**
 * JSON values in localStorage under one app prefix. Private browsing or a full quota must not
 * break the app: reads fall back, writes are best effort.
 */
export function stored<T>(key: string, fallback: T) {
  const name = `o2o.courier.${key}`;
  return {
    get(): T {
      try {
        const raw = localStorage.getItem(name);
        return raw === null ? fallback : (JSON.parse(raw) as T);
      } catch {
        return fallback;
      }
    },
    set(value: T): void {
      try {
        localStorage.setItem(name, JSON.stringify(value));
      } catch {
        // best effort: the in-memory state still holds the value
      }
    },
    clear(): void {
      try {
        localStorage.removeItem(name);
      } catch {
        // nothing to do
      }
    },
  };
}
