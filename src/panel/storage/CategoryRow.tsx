import { Dialog, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';

import { IStorageCategory } from '../../types';
import { formatBinary as formatBytes } from './format';

/** Ask before deleting: what is freed, where, and that it cannot be undone. */
export async function confirmClean(
  category: IStorageCategory
): Promise<boolean> {
  const where = category.paths.map(p => p.path).join(', ');
  const result = await showDialog({
    title: `Empty ${category.label}?`,
    body: `This frees ${formatBytes(category.allocated_bytes)} by deleting everything inside ${where}. It cannot be undone. ${category.description}`,
    buttons: [
      Dialog.cancelButton(),
      Dialog.warnButton({
        label: `Free ${formatBytes(category.allocated_bytes)}`
      })
    ]
  });
  return result.button.accept;
}

/** One category (trash, caches, ...): its full name (wrapping), a bar, its size, a clean button. */
export function CategoryRow(props: {
  category: IStorageCategory;
  max: number;
  busy: boolean;
  onClean: (category: IStorageCategory) => void;
}): JSX.Element {
  const { category, max } = props;
  const width = Math.max(
    1,
    (category.allocated_bytes / Math.max(1, max)) * 100
  );
  return (
    <li
      className="jp-smtk-storage-category"
      data-category={category.id}
      title={`${category.label}: ${category.description}`}
    >
      <div className="jp-smtk-storage-chart-row" data-kind={category.kind}>
        <span
          className="jp-smtk-storage-chart-label jp-smtk-storage-category-label"
          title={category.label}
        >
          {category.label}
        </span>
        <span className="jp-smtk-storage-chart-track">
          <span
            className="jp-smtk-storage-chart-fill"
            style={{ width: `${width}%` }}
          />
        </span>
        <span className="jp-smtk-num jp-smtk-storage-category-size">
          {formatBytes(category.allocated_bytes)}
        </span>
        {/* A slot in every row, button or not: every row's bar is as long. */}
        <span className="jp-smtk-storage-clean-slot">
          {category.cleanable && category.allocated_bytes > 0 && (
            <button
              className="jp-Button jp-mod-styled jp-mod-warn jp-smtk-storage-clean"
              disabled={props.busy}
              onClick={() => props.onClean(category)}
            >
              {category.kind === 'trash' ? 'Empty' : 'Clear'}
            </button>
          )}
        </span>
      </div>
    </li>
  );
}
