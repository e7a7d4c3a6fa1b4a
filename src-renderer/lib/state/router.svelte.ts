import { parseRoute, routeHref, type Route } from '../routes';

/** The current view, from `location.hash`. Navigation is only through `go()` or plain `#/...` links. */
export class Router {
  #hash = $state(location.hash);
  #route = $derived(parseRoute(this.#hash));
  #onHashChange = (): void => {
    this.#hash = location.hash;
  };

  constructor() {
    window.addEventListener('hashchange', this.#onHashChange);
  }

  get route(): Route {
    return this.#route;
  }

  go(route: Exclude<Route, { name: 'not-found' }>): void {
    const href = routeHref(route);
    if (location.hash !== href) location.hash = href;
    this.#hash = location.hash;
  }

  /** Replaces the current history entry (for in-view changes such as the compared runs). */
  replace(route: Exclude<Route, { name: 'not-found' }>): void {
    history.replaceState(history.state, '', routeHref(route));
    this.#hash = location.hash;
  }

  dispose(): void {
    window.removeEventListener('hashchange', this.#onHashChange);
  }
}
