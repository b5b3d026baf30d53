"""Nightly sparktune retrain as an Airflow DAG (Airflow 2.6+: BashOperator's skip_on_exit_code).

Copy into the DAG folder. The task runs deploy/schedule/retrain.sh with SPARKTUNE_BUSY_IS_ERROR=1, so
sparktune's exit code 3 (another retrain holds the lock) marks the task skipped instead of failed.
Exit 1 fails the task; its retry resumes the retrain from its checkpoints.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="sparktune_retrain",
    schedule="15 2 * * *",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=30)},
    tags=["sparktune"],
) as dag:
    BashOperator(
        task_id="retrain",
        bash_command="/opt/sparktune/deploy/schedule/retrain.sh /etc/sparktune/retrain.conf ",
        env={
            "SPARKTUNE_JAR": "/opt/sparktune/sparktune-driver-0.1.0-SNAPSHOT-spark.jar",
            "SPARK_MASTER": "yarn",
            "SPARKTUNE_BUSY_IS_ERROR": "1",
        },
        append_env=True,
        skip_on_exit_code=3,
        execution_timeout=timedelta(hours=12),
    )
