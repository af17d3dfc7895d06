"""The worked example examples/rewards/gsm8k_rewards.py, called as TRL calls it."""

import importlib.util
import os
import unittest

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "..", "examples",
                       "rewards", "gsm8k_rewards.py")
_spec = importlib.util.spec_from_file_location("gsm8k_rewards", EXAMPLE)
gsm8k = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gsm8k)

ANSWER = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72"


class Gsm8kExampleTest(unittest.TestCase):

    def test_accuracy_reads_boxed_or_hashes_against_gsm8k_s_number(self):
        completions = ["So she sold \\boxed{72} clips.", "#### 72.00", "The answer is 72", "\\boxed{71}",
                       "#### $1,072"]
        answers = [ANSWER, ANSWER, ANSWER, "72", "1072"]
        self.assertEqual([1.0, 1.0, 0.0, 0.0, 1.0], gsm8k.accuracy_reward(completions, answer=answers))

    def test_a_row_without_a_number_gets_no_reward(self):
        self.assertEqual([None], gsm8k.accuracy_reward(["\\boxed{3}"], answer=["unknown"]))

    def test_conversational_completions_and_extra_kwargs(self):
        completions = [[{"role": "assistant", "content": "Thus \\boxed{72}"}],
                       [{"role": "assistant", "content": "72 it is."}]]
        self.assertEqual([1.0, 0.0], gsm8k.accuracy_reward(completions, answer=[ANSWER, ANSWER], trainer_state=None,
                                                           prompts=["q", "q"], completion_ids=[[1], [2]]))
        self.assertEqual([1.0, 0.0], gsm8k.format_reward(completions))

    def test_format_wants_the_answer_at_the_end(self):
        self.assertEqual([1.0, 1.0, 0.0, 0.0],
                         gsm8k.format_reward(["x \\boxed{4}", "#### 12\n", "\\boxed{4} and more", "no answer"]))


if __name__ == "__main__":
    unittest.main()
