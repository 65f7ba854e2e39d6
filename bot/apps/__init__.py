"""Front ends over one Bot: the CLI, the Gradio chat, the HTTP API (/api, OpenAI-compatible /v1).

None holds logic of its own: each turns a user's request into Bot calls and the Bot's typed results and
errors into its own output.
"""
