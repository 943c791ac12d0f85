"""Job messages: each service's own subjects, the same types every time."""

from punte_contracts.jobs import JobFinished, JobStepRequested, job_messages


def test_each_service_gets_job_messages_under_its_own_subjects() -> None:
    step, finished = job_messages("contacts")
    assert step.message_type() == "punte.msg.contacts.job.step_requested.v1"
    assert finished.message_type() == "punte.msg.contacts.job.finished.v1"
    assert issubclass(step, JobStepRequested)
    assert issubclass(finished, JobFinished)
    assert job_messages("events")[1].message_type() == "punte.msg.events.job.finished.v1"
    assert job_messages("contacts") == (step, finished)
