export interface ToastAction {
  label: string;
  run: () => Promise<void> | void;
}

export interface Toast {
  id: number;
  text: string;
  error: boolean;
  action: ToastAction | null;
}

/** How long a toast stays: long enough to reach its Undo. */
const TOAST_MS = 10_000;

/** Short messages at the bottom of the window, some with an action ("Deleted 3 runs · Undo"). */
export class Toasts {
  #toasts = $state.raw<Toast[]>([]);
  #next = 1;
  #timers: Record<number, ReturnType<typeof setTimeout>> = {};

  get list(): Toast[] {
    return this.#toasts;
  }

  show(text: string, options: { action?: ToastAction; error?: boolean; timeoutMs?: number } = {}): number {
    const id = this.#next++;
    this.#toasts = [...this.#toasts, { id, text, error: options.error ?? false, action: options.action ?? null }].slice(-4);
    this.#timers[id] = setTimeout(() => this.dismiss(id), options.timeoutMs ?? TOAST_MS);
    return id;
  }

  dismiss(id: number): void {
    clearTimeout(this.#timers[id]);
    delete this.#timers[id];
    this.#toasts = this.#toasts.filter((t) => t.id !== id);
  }

  /** Runs a toast's action, then dismisses it. */
  async act(toast: Toast): Promise<void> {
    this.dismiss(toast.id);
    try {
      await toast.action?.run();
    } catch (error) {
      this.show(`${toast.action?.label ?? 'That'} failed: ${error instanceof Error ? error.message : String(error)}`, { error: true });
    }
  }
}
