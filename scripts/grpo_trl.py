#!/usr/bin/env python3
"""The TRL side of scripts/grpo-vs-trl.sh: GRPO steps with TRL's GRPOTrainer on the model Tern
trains, with the settings `tern train grpo` is given in the same script.

- Model: the GGUF, loaded by transformers (`gguf_file=`, dequantized to float32), LoRA rank 16,
  alpha 32 on q, k, v, o, gate, up and down projections (peft), as Tern's default targets.
- Prompts: two-step arithmetic word problems in the wording of Tern's generator, asked as one user
  turn through the model's chat template with Tern's instruction to answer in <think>/<answer>.
- Rewards: accuracy (weight 1) and format (weight 0.5), as Tern's defaults.
- Objective: group size --group, --prompts-per-step prompts per optimizer step (gradient
  accumulation over per-prompt micro-batches of one group, one generation per step), temperature
  1 over the full distribution, token-level averaging over the step ("dapo", Tern's default),
  group std scaling, beta --beta (the reference is the base without the adapter), epsilon 0.2,
  --max-tokens new tokens at most, one iteration per batch of samples.

Prints one JSON line: seconds per step for every step, and the mean completion length.

    python scripts/grpo_trl.py --gguf MODEL.gguf --steps 3 --prompts-per-step 4 --group 8 --max-tokens 96 --threads 2
"""
import argparse
import json
import os
import random
import re
import time

import torch

INSTRUCTIONS = ("Solve the problem. Think step by step inside <think> </think>, then write only the final number "
                "inside <answer> </answer>.")


def problems(count, seed):
    """Word problems in the wording of Tern's ArithmeticProblems (a different stream of numbers)."""
    rng = random.Random(seed)
    names, things = ["Sam", "Mia", "Leo", "Ava", "Ben", "Zoe"], ["apples", "marbles", "stickers", "pencils"]
    out = []
    for _ in range(count):
        name, thing = rng.choice(names), rng.choice(things)
        pron = "He" if name in ("Sam", "Leo", "Ben") else "She"
        if rng.random() < 0.5:
            a, b = rng.randint(3, 20), rng.randint(2, 12)
            c = rng.randint(1, a + b - 1)
            q = f"{name} has {a} {thing}. {pron} buys {b} more and gives away {c}. How many {thing} does {name} have now?"
            ans = a + b - c
        else:
            a, b = rng.randint(2, 6), rng.randint(2, 9)
            c = rng.randint(1, a * b - 1)
            q = f"{name} has {a} bags with {b} {thing} in each. {pron} gives away {c} of them. How many {thing} are left?"
            ans = a * b - c
        out.append({"prompt": [{"role": "user", "content": INSTRUCTIONS + "\n\n" + q}], "answer": str(ans)})
    return out


def text_of(completion):
    return completion[0]["content"] if isinstance(completion, list) else completion


def accuracy(completions, answer, **_):
    out = []
    for c, a in zip(completions, answer):
        m = re.search(r"<answer>(.*?)</answer>", text_of(c), re.S)
        nums = re.findall(r"-?\d+", m.group(1)) if m else []
        out.append(1.0 if len(nums) == 1 and nums[0] == a else 0.0)
    return out


def format_reward(completions, **_):
    pattern = re.compile(r"^\s*<think>.+?</think>\s*<answer>.+?</answer>\s*$", re.S)
    return [1.0 if pattern.match(text_of(c)) else 0.0 for c in completions]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--prompts-per-step", type=int, default=4)
    ap.add_argument("--group", type=int, default=8)
    ap.add_argument("--max-tokens", type=int, default=96)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-5)
    ap.add_argument("--beta", type=float, default=0.04)
    ap.add_argument("--out", default="/tmp/grpo-trl")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    folder, name = os.path.split(os.path.abspath(a.gguf))
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    if tok.chat_template is None:  # the GGUF has none; Tern then uses Gemma's turn format, written out here
        tok.chat_template = ("{{ bos_token }}{% for m in messages %}<start_of_turn>{{ 'model' if m['role'] == 'assistant' else 'user' }}\n"
                             "{{ m['content'] | trim }}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}")
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, torch_dtype=torch.float32, attn_implementation="eager")
    # The weights are dequantized to float32 on loading; the model only remembers the file's format,
    # which makes the trainer refuse it. Forget it (train_pytorch.py trains the same model directly).
    model.hf_quantizer, model.is_quantized = None, False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config

    cfg = GRPOConfig(
        output_dir=a.out, use_cpu=True, bf16=False, fp16=False, report_to="none", save_strategy="no", logging_steps=1,
        max_steps=a.steps, learning_rate=a.lr, lr_scheduler_type="constant", warmup_steps=0, weight_decay=0.0,
        num_generations=a.group, per_device_train_batch_size=a.group, gradient_accumulation_steps=a.prompts_per_step,
        max_completion_length=a.max_tokens, temperature=1.0, top_k=0, top_p=1.0, beta=a.beta, epsilon=0.2,
        loss_type="dapo", scale_rewards="group", num_iterations=1, reward_weights=[1.0, 0.5],
        gradient_checkpointing=False, dataloader_num_workers=0, seed=0)
    lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])

    class Timer(TrainerCallback):
        def __init__(self):
            self.seconds, self.started = [], None

        def on_step_begin(self, args, state, control, **kw):
            self.started = time.perf_counter()

        def on_step_end(self, args, state, control, **kw):
            self.seconds.append(time.perf_counter() - self.started)

    timer = Timer()
    trainer = GRPOTrainer(model=model, reward_funcs=[accuracy, format_reward], args=cfg,
                          train_dataset=Dataset.from_list(problems(a.steps * a.prompts_per_step * 2, 0)),
                          processing_class=tok, peft_config=lora, callbacks=[timer])
    trainer.train()
    lengths = [h["completions/mean_length"] for h in trainer.state.log_history if "completions/mean_length" in h]
    print(json.dumps({"seconds_per_step": timer.seconds, "mean_completion_length": sum(lengths) / max(1, len(lengths))}))


if __name__ == "__main__":
    main()
