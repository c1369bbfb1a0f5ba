import { LabIcon } from '@jupyterlab/ui-components';

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4z" opacity="0.9"/>
    <path d="M16.5 13a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zm.5 1.5v2h1.5v1H16v-3z"/>
  </g>
</svg>`;

export const teamkitIcon = new LabIcon({
  name: 'sm-teamkit:icon',
  svgstr: svg
});
