# tiny_distill_digits.py plus a test-only hook that pauses the run at
# iteration $MMDLKD_TEST_PAUSE_AT so that a test can SIGKILL it there.
# Needs tests/test_tools on PYTHONPATH.
_base_ = ['./tiny_distill_digits.py']
custom_imports = dict(
    imports=['mmdlkd', 'reliability_pause_hook'], allow_failed_imports=False)
custom_hooks = [
    dict(type='mmdlkd.NonFiniteLossHook'),
    dict(type='mmdlkd.DatasetCheckHook'),
    dict(type='mmdlkd.ReliabilityPauseHook')
]
