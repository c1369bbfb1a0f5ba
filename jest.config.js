/**
 * Jest for the panel's TypeScript: `npm test` runs src/**\/__tests__/*.spec.ts(x) in jsdom.
 * JupyterLab's packages (and what they import) ship ES modules: ts-jest compiles them too.
 */
const esModules = ['@jupyterlab', '@jupyter/ydoc', 'lib0', 'yjs', 'y-protocols'];

module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/src'],
  testMatch: ['**/__tests__/**/*.spec.ts?(x)'],
  transform: {
    '^.+\\.[jt]sx?$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', jsx: 'react' } }
    ]
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esModules.join('|')})/)`]
};
