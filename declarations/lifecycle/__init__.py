"""Day-2 lifecycle: which changes between a service's deployed and proposed declarations the engines can
carry out (`transitions`), what each engine's operator can do (`capabilities`), and how `restore_from` is
checked (`restore`). `review.transition_review` is the one entry point `dbaas diff` and the API call."""
