import pytest
from chart_samples import sample_history, sample_results


@pytest.fixture
def history():
    return sample_history()


@pytest.fixture
def results():
    return sample_results()
