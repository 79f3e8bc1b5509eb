/*
 * docs.h — docs/widgets.md, generated from the registry and the option
 * tables (the same tables that parse layouts and make the JSON Schema), so
 * the docs cannot drift from the code.
 */
#ifndef BS_DOCS_H
#define BS_DOCS_H

/* The whole of docs/widgets.md as malloc'd text; NULL on allocation failure. */
char *docs_widgets_markdown(void);

#endif
