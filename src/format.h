/* format: the four API formats, by the names used everywhere (flags, config, docs). */
#ifndef NR_FORMAT_H
#define NR_FORMAT_H

enum nr_format {
	NR_FMT_OPENAI,		/* Chat Completions */
	NR_FMT_ANTHROPIC,	/* Messages */
	NR_FMT_RESPONSES,	/* OpenAI Responses */
	NR_FMT_GEMINI,		/* generateContent */
};
#define NR_FMT_COUNT 4

/* The format named `name`, or -1. */
int nr_format_parse(const char *name);
const char *nr_format_name(enum nr_format f);

#endif
