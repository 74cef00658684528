// `rlvr tokenize --tokenizer DIR --jsonl FILE`: each line `{"text": …}` or `{"messages": […],
// "add_generation_prompt": true}` (rendered with DIR's own chat template) becomes one line
// `{"ids": […], "text": rendered}`. For checking a tokenizer against transformers.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { loadTokenizer } from "../../engine/tokenizer/loadTokenizer.js";
import { type ChatMessage, modelChatTemplate, renderChat } from "../../tasks/chatTemplate.js";
import { writeOut } from "../output.js";

interface TokenizeFlags {
  tokenizer: string;
  jsonl: string;
}

export function registerTokenize(program: Command): void {
  program
    .command("tokenize")
    .description("token ids of texts and chat conversations under a tokenizer directory")
    .requiredOption(
      "--tokenizer <dir>",
      "tokenizer.json, or vocab.json + merges.txt, with tokenizer_config.json",
    )
    .requiredOption("--jsonl <file>", 'lines {"text": …} or {"messages": […], "add_generation_prompt": true}')
    .action((flags: TokenizeFlags, command: Command) => {
      const tokenizer = loadTokenizer(flags.tokenizer);
      const configFile = join(flags.tokenizer, "tokenizer_config.json");
      let chat: ReturnType<typeof modelChatTemplate> | undefined;
      const lines = readFileSync(flags.jsonl, "utf8").split("\n");
      const out: string[] = [];
      for (const [i, line] of lines.entries()) {
        if (line.trim() === "") continue;
        const where = `${flags.jsonl}:${i + 1}`;
        let row: { text?: unknown; messages?: unknown; add_generation_prompt?: unknown };
        try {
          row = JSON.parse(line);
        } catch (err) {
          throw new Error(`${where}: invalid JSON: ${(err as Error).message}`);
        }
        let text: string;
        if (typeof row.text === "string") text = row.text;
        else if (Array.isArray(row.messages)) {
          if (!chat) {
            if (!existsSync(configFile))
              throw new Error(`${where}: messages need ${configFile} (its chat_template)`);
            chat = modelChatTemplate(JSON.parse(readFileSync(configFile, "utf8")), configFile);
          }
          text = renderChat(row.messages as ChatMessage[], {
            ...chat,
            addGenerationPrompt: row.add_generation_prompt === true,
          });
        } else throw new Error(`${where}: expected a field "text" (a string) or "messages" (a list)`);
        out.push(JSON.stringify({ ids: tokenizer.encode(text), text }));
      }
      writeOut(command, out.length > 0 ? `${out.join("\n")}\n` : "");
    });
}
