/**
 * A panel section that collapses when its header is clicked, as JupyterLab's own sidebars
 * do (a caret before the title), and the one store that remembers which sections are
 * collapsed, across reloads, in JupyterLab's state database (UI state, not a setting).
 */
import { IStateDB } from '@jupyterlab/statedb';
import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

/** The state database key of the collapsed sections. */
export const COLLAPSED_KEY = 'sm-teamkit:panel-collapsed';

/** Which sections are collapsed; every Section of the panel reads and changes it. */
export class SectionLayout {
  constructor(private readonly _state: IStateDB | null = null) {
    if (_state) {
      this.restored = _state
        .fetch(COLLAPSED_KEY)
        .then(value => {
          const ids = (value as { collapsed?: unknown } | undefined)?.collapsed;
          if (Array.isArray(ids) && !this._touched) {
            this._collapsed = new Set(ids.map(String));
            this._changed.emit();
          }
        })
        .catch(reason =>
          console.warn('sm-teamkit: collapsed sections not restored', reason)
        );
    }
  }

  /** Resolves once the remembered state is applied (at once without a state database). */
  readonly restored: Promise<void> = Promise.resolve();

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  isCollapsed(id: string): boolean {
    return this._collapsed.has(id);
  }

  setCollapsed(id: string, collapsed: boolean): void {
    this._touched = true;
    if (collapsed === this._collapsed.has(id)) {
      return;
    }
    if (collapsed) {
      this._collapsed.add(id);
    } else {
      this._collapsed.delete(id);
    }
    this._changed.emit();
    if (this._state) {
      void this._state
        .save(COLLAPSED_KEY, { collapsed: [...this._collapsed].sort() })
        .catch(reason =>
          console.warn('sm-teamkit: collapsed sections not saved', reason)
        );
    }
  }

  private _collapsed = new Set<string>();
  private _touched = false;
  private _changed = new Signal<this, void>(this);
}

/** The panel's SectionLayout; without one, each section keeps its own state. */
export const SectionLayoutContext = React.createContext<SectionLayout | null>(
  null
);

function useCollapsed(id: string): [boolean, (collapsed: boolean) => void] {
  const layout = React.useContext(SectionLayoutContext);
  const [own, setOwn] = React.useState(false);
  const [, rerender] = React.useReducer((n: number) => n + 1, 0);
  React.useEffect(() => {
    if (!layout) {
      return;
    }
    const changed = () => rerender();
    layout.changed.connect(changed);
    return () => {
      layout.changed.disconnect(changed);
    };
  }, [layout]);
  if (!layout) {
    return [own, setOwn];
  }
  return [
    layout.isCollapsed(id),
    collapsed => layout.setCollapsed(id, collapsed)
  ];
}

/**
 * One section of the panel: a header (a caret and the title, which collapse and expand it,
 * and the section's own actions, which stay clickable) over its body.
 */
export function Section(props: {
  title: string;
  id: string;
  actions?: React.ReactNode;
  children?: React.ReactNode;
}): JSX.Element {
  const [collapsed, setCollapsed] = useCollapsed(props.id);
  const Caret = collapsed ? caretRightIcon : caretDownIcon;
  const bodyId = `jp-smtk-section-body-${props.id}`;
  return (
    <section
      className="jp-smtk-section"
      data-section={props.id}
      data-collapsed={collapsed ? 'true' : 'false'}
    >
      <header className="jp-smtk-section-header">
        <h3>
          <button
            className="jp-smtk-section-toggle"
            aria-expanded={!collapsed}
            aria-controls={bodyId}
            title={collapsed ? `Show ${props.title}` : `Hide ${props.title}`}
            onClick={() => setCollapsed(!collapsed)}
          >
            <Caret.react
              tag="span"
              className="jp-smtk-section-caret"
              elementPosition="center"
            />
            <span className="jp-smtk-section-title">{props.title}</span>
          </button>
        </h3>
        {!collapsed && (
          <div className="jp-smtk-section-actions">{props.actions}</div>
        )}
      </header>
      <div className="jp-smtk-section-body" id={bodyId} hidden={collapsed}>
        {props.children}
      </div>
    </section>
  );
}
