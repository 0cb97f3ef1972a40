# Copyright: vmcpu.profiles contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gate's transaction under SIGKILL and under racing runs: after every kill and every race, readers
see exactly one run's whole generation, and the next run removes what a killed one left."""

import errno
import fcntl
import json
import os
import random
import signal
import time

KILLS = 60
ROUNDS = 5
RACERS = 4
# Many VMM files make a generation's build take a while, so kills land inside it.
PARTS = 120


def arguments(gate_host, number):
    arguments = gate_host.arguments(number)
    arguments['files'].update(('fleet.part%03d' % part, 'run=%d part=%d' % (number, part)) for part in range(PARTS))
    return arguments


def visible_run(gate_host):
    """The run whose generation readers see; every file of it must come from that run."""
    record, files = gate_host.visible()[1:]
    run = int(record['checked_at'].split('-')[1])
    assert json.loads(files['profiles/fleet.json'])['made_by_run'] == run
    assert files['profiles/fleet.qemu-cpu'] == 'Skylake-Server,run=%d\n' % run
    assert all(files['profiles/fleet.part%03d' % part] == 'run=%d part=%d\n' % (run, part) for part in range(PARTS))
    return run


def leftovers(gate_host):
    return [path for path in gate_host.tree()
            if os.path.basename(path).startswith(('.build-', '.current.')) or path.endswith('.tmp')]


def lock_is_held(lock):
    """Whether a gate run holds the lock now (a test holding it for a moment only delays that run)."""
    try:
        handle = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return True
        raise
    finally:
        os.close(handle)
    return False


def wait_until_locked(process, lock):
    while process.poll() is None:
        if lock_is_held(lock):
            return True
        time.sleep(0.001)
    return False


def test_a_run_killed_at_any_point_leaves_one_whole_generation(gate_host):
    rng = random.Random(os.environ.get('VMCPU_KILL_SEED', '20261202'))
    lock = str(gate_host.etc / '.gate.lock')
    started = time.monotonic()
    assert gate_host.run(arguments(gate_host, 1))['changed']
    whole_run = time.monotonic() - started
    process = gate_host.start(arguments(gate_host, 2))
    assert wait_until_locked(process, lock)
    locked_at = time.monotonic()
    process.wait()
    writing = time.monotonic() - locked_at
    visible = visible_run(gate_host)
    outcomes = {'finished': 0, 'killed, previous generation visible': 0, 'killed, its generation visible': 0}
    half_built = 0
    for number in range(3, 3 + KILLS):
        process = gate_host.start(arguments(gate_host, number))
        if number % 2:  # anywhere in the run: start-up, reading, building, switching
            time.sleep(rng.uniform(0, whole_run))
        elif wait_until_locked(process, lock):  # inside the transaction
            time.sleep(rng.uniform(0, writing))
        process.send_signal(signal.SIGKILL)
        process.communicate()
        run = visible_run(gate_host)
        assert run in (visible, number), (run, visible, number)
        half_built += bool(leftovers(gate_host))
        if process.returncode == 0:
            outcomes['finished'] += 1
            assert run == number
        else:
            assert process.returncode == -signal.SIGKILL
            outcomes['killed, %s generation visible' % ('its' if run == number else 'previous')] += 1
        visible = run
    print('%d kills (whole run %.3f s, transaction %.3f s): %s; %d left leftovers'
          % (KILLS, whole_run, writing, outcomes, half_built))
    assert outcomes['killed, previous generation visible'] >= KILLS // 4 and half_built >= KILLS // 4, outcomes
    assert gate_host.run(arguments(gate_host, 999))['changed']
    assert visible_run(gate_host) == 999 and leftovers(gate_host) == []
    assert len(os.listdir(str(gate_host.etc / 'generations'))) <= 3


def test_racing_runs_end_with_the_whole_generation_of_the_last_one(gate_host):
    for round_number in range(ROUNDS):
        numbers = [round_number * 10 + racer for racer in range(1, RACERS + 1)]
        processes = [gate_host.start(arguments(gate_host, number)) for number in numbers]
        results = []
        for process in processes:
            stdout, stderr = process.communicate(timeout=300)
            assert process.returncode == 0, stderr
            results.append(json.loads(stdout))
        assert all(result['changed'] and not result.get('failed') for result in results)
        generations = [os.path.basename(result['generation']) for result in results]
        assert len(set(generations)) == RACERS, generations  # one after the other, never two at once
        last = max(generations)
        run = visible_run(gate_host)
        assert gate_host.visible()[0] == last and run == numbers[generations.index(last)]
        assert leftovers(gate_host) == []
