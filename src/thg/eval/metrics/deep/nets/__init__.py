"""The networks, in plain PyTorch, with module names matching the public checkpoints' state-dict keys.

Importing anything here imports torch; the metric modules import these only inside their methods.
"""
