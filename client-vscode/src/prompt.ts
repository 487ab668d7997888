/**
 * The server's `servicestage/promptText` request (Authorize's hand-off): ask the user for a line of text — the
 * address the browser ended on — with an input box. The answer is `{ value }`, or `null` when the user cancelled.
 */
import type { InputBoxOptions } from "vscode";

export const PROMPT_TEXT = "servicestage/promptText";

export interface PromptTextParams {
  title?: string;
  prompt?: string;
  placeHolder?: string;
}

export async function promptText(
  params: PromptTextParams,
  ask: (options: InputBoxOptions) => Thenable<string | undefined>,
): Promise<{ value: string } | null> {
  // ignoreFocusOut: the user switches to the browser to copy the address; the box must still be there.
  const value = await ask({ title: params.title, prompt: params.prompt, placeHolder: params.placeHolder, ignoreFocusOut: true });
  return value === undefined ? null : { value };
}
