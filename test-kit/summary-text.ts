/** Renders job-summary markdown as terminal text, for the demo and for readable test failures. */
export function summaryAsText(markdown: string): string {
  return markdown
    .replace(/<\/?details>|<summary>|<\/summary>/g, '')
    .replace(/<br>/g, ' / ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\\\|/g, '|');
}
