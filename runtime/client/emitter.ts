type Listener<T> = (event: T) => void;

/** A minimal typed event emitter with no Node dependency, so the client core also runs in a browser. */
export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners: { [K in keyof Events]?: Set<Listener<Events[K]>> } = {};

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): this {
    let set = this.listeners[name];
    if (!set) {
      set = new Set();
      this.listeners[name] = set;
    }
    set.add(listener);
    return this;
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): this {
    this.listeners[name]?.delete(listener);
    return this;
  }

  protected emit<K extends keyof Events>(name: K, event: Events[K]): void {
    for (const listener of this.listeners[name] ?? []) listener(event);
  }
}
