from tlsbench.strategies import DEFAULT_STRATEGIES, get_strategy
from tlsbench.workload import run_parallel


def test_default_strategies_count_exactly_on_real_threads() -> None:
    for name in DEFAULT_STRATEGIES:
        result = run_parallel(get_strategy(name)(4), 4, 1001, 3)
        assert result.counted == result.expected == 334
