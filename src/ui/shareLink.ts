// Sharing by link: the scenario as the student has it (model, parameters, inputs, view) goes into
// the location hash as "#s=..." (src/scenario/share.ts), and a link opened later restores it. The
// page's view controls map onto the scenario's `view` section here, both ways, so a link brings
// back the speed, the raster window and which trace views (gates, currents) are shown as well. It is
// the toolbar's "Share link" panel (sharePanel) and the reading of a link the page opens with.
import { scenarioFromHash, scenarioToHash, SHARE_PREFIX } from '../scenario/share.js';
import { VIEW_LIMITS, type Scenario, type ViewSpec } from '../core/scenarioSpec.js';
import { InputError } from '../core/errors.js';
import type { PageView, Panel, PanelHooks } from './panel.js';

export type { PageView };
import { addStyleOnce, button, statusLine } from './dom.js';

/** What a location hash means when the page opens. */
export type HashOnLoad =
  | { kind: 'none' }
  | { kind: 'scenario'; scenario: Scenario }
  | { kind: 'refused'; field: string; message: string };

/**
 * Read the hash the page was opened with. Only "#s=..." is a shared scenario; any other hash
 * (empty, or an anchor) is not a link to a scenario and is left alone.
 */
export async function readHashOnLoad(hash: string): Promise<HashOnLoad> {
  if (!hash.startsWith(SHARE_PREFIX)) return { kind: 'none' };
  const shared = await scenarioFromHash(hash);
  return shared.ok ? { kind: 'scenario', scenario: shared.scenario } : { kind: 'refused', field: shared.field, message: shared.message };
}

/** The page's address with this hash in place of any it had. */
export function shareUrl(href: string, hash: string): string {
  const at = href.indexOf('#');
  return (at < 0 ? href : href.slice(0, at)) + hash;
}


/** The scenario's `view` for the page's controls (its speed is simulated ms per real second). */
export function viewOfPage(page: PageView): ViewSpec {
  return {
    rasterWindowMs: page.rasterWindowMs,
    speed: page.speed === null ? 0 : Math.min(VIEW_LIMITS.speed[1], Math.max(VIEW_LIMITS.speed[0], page.speed * 1000)),
    showGates: page.showGates,
    showCurrents: page.showCurrents,
    freeRun: page.freeRun,
  };
}

/** The page's controls for a scenario's `view`; what the view leaves out keeps the page's value. */
export function pageOfView(view: ViewSpec | undefined, page: PageView): PageView {
  if (!view) return page;
  return {
    speed: view.speed === undefined ? page.speed : view.speed === 0 ? null : view.speed / 1000,
    rasterWindowMs: view.rasterWindowMs ?? page.rasterWindowMs,
    showGates: view.showGates ?? page.showGates,
    showCurrents: view.showCurrents ?? page.showCurrents,
    freeRun: view.freeRun ?? page.freeRun,
  };
}

/** The label for a speed the page's list may not have (a link can carry any allowed speed). */
export function speedLabel(speed: number | null): string {
  return speed === null ? 'as fast as possible' : `${Number(speed.toPrecision(3))}× real time`;
}


const STYLE_ID = 'share-link-style';
const CSS = `
.share-link { display: inline-flex; align-items: center; gap: 8px; }
.share-link .share-message { font-size: 13px; color: var(--muted, #5a5a5a); max-width: 60ch; }
.share-link .share-message.problem { color: #7a2e00; background: #fff4ec; border: 1px solid #d55e00; border-radius: 4px; padding: 3px 8px; white-space: pre-wrap; font: 12px/1.35 ui-monospace, 'DejaVu Sans Mono', monospace; } /* monospace: an equation's caret stays under its column */
`;

/** The "Share link" panel: a button and the line beside it that says what happened. */
export function sharePanel(): Panel {
  return { mount: (slot, hooks) => mountShareButton(slot, hooks) };
}

function mountShareButton(slot: HTMLElement, hooks: PanelHooks): void {
  addStyleOnce(STYLE_ID, CSS);
  const root = document.createElement('span');
  root.className = 'share-link';
  const shareButton = button('Share link', 'Put this scenario (model, parameters, inputs and view) in the address and copy it', 'share-link');
  const message = statusLine('share-message', 'share-message');
  root.append(shareButton, message);
  slot.append(root);

  const say = (text: string, problem = false) => {
    message.textContent = text;
    message.classList.toggle('problem', problem);
    return text;
  };

  async function share(): Promise<string> {
    const scenario = await hooks.scenario();
    if (scenario === null) return say('Nothing is loaded to share yet.', true);
    let hash: string;
    try {
      hash = await scenarioToHash(scenario);
    } catch (err) {
      // The page only holds scenarios that passed validation, so this is a bug, but say so here.
      return say(`This scenario cannot be shared: ${err instanceof InputError || err instanceof Error ? err.message : String(err)}`, true);
    }
    // replaceState: sharing should not add a history entry per press, nor reload anything.
    history.replaceState(null, '', hash);
    const url = shareUrl(location.href, hash);
    try {
      await navigator.clipboard.writeText(url);
      return say(`Link copied (${url.length} characters). Opening it restores this scenario and view.`);
    } catch {
      // The clipboard needs permission or focus; the address bar has the link either way.
      return say(`The link is in the address bar (${url.length} characters); copy it from there.`);
    }
  }

  /** A refused link leaves the address bar, so a reload or a bookmark does not meet it again. */
  function dropHash(): void {
    history.replaceState(null, '', location.pathname + location.search);
  }

  function refused(text: string): void {
    message.setAttribute('role', 'alert');
    dropHash();
    say(`This link was not opened: ${text}. The default scenario runs instead.`, true);
  }

  shareButton.addEventListener('click', () => void share());
  // A link pasted into the address bar of an open page changes only the hash: no reload.
  // (replaceState in share() fires no hashchange, so the page's own links do not come back here.)
  window.addEventListener('hashchange', async () => {
    const read = await readHashOnLoad(location.hash);
    if (read.kind === 'none') return;
    if (read.kind === 'refused') {
      dropHash();
      return void say(`This link was not opened: ${read.message}. What ran before goes on.`, true);
    }
    const opened = await hooks.open(read.scenario);
    if (opened.ok) say('Opened the scenario of the link.');
    else {
      dropHash();
      say(`This link was not opened: ${opened.message}. What ran before goes on.`, true);
    }
  });
  hooks.subscribe('linkRefused', refused);
}
