/** Tokenizers: character-level and GPT-2 byte-level BPE, trainable, stored as Hugging Face tokenizer.json. */
package strata.runtime.text;
